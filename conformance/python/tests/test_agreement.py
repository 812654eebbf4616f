"""The pytest plugin's verdicts agree with `bnaxis run` case by case (pass, fail, skip), on the template harness and
on one-mistake implementations; and a one-mistake implementation's failure names its mistake."""

import importlib.util
import os

import pytest

import mistakes
from support import MISTAKES, REPOSITORY, TEMPLATE, bnaxis_command, bnaxis_outcomes, pytest_outcomes, run_pytest

IMPLEMENTATIONS = [TEMPLATE] + [f"{MISTAKES}:{name}" for name in mistakes.ALL]


def differences(ours, theirs):
    return {i: (ours.get(i), theirs.get(i)) for i in set(ours) | set(theirs) if ours.get(i) != theirs.get(i)}


@pytest.mark.parametrize("spec", IMPLEMENTATIONS, ids=["template"] + list(mistakes.ALL))
def test_pytest_and_bnaxis_run_agree_case_by_case(spec, tmp_path):
    bnaxis = bnaxis_command()
    expected, _ = bnaxis_outcomes(bnaxis, spec, str(tmp_path / "report.json"))
    finished = run_pytest(spec, "-q", "--bnaxis-exe", "none", "--junitxml", str(tmp_path / "junit.xml"))
    assert finished.returncode in (0, 1), finished.stdout[-3000:] + finished.stderr[-3000:]
    found = pytest_outcomes(tmp_path / "junit.xml")
    assert differences(found, expected) == {}
    if spec == TEMPLATE:
        assert "failed" not in expected.values()
    else:
        assert "failed" in expected.values(), "a one-mistake implementation must fail some case"


@pytest.mark.parametrize("spec, expectations", [
    (TEMPLATE, os.path.join(os.path.dirname(__file__), "data", "expectations-template.json")),
    (f"{MISTAKES}:UnbiasedMovingVariance", os.path.join(os.path.dirname(__file__), "data", "expectations-unbiased.json")),
], ids=["template", "UnbiasedMovingVariance"])
def test_expectations_agree_case_by_case(spec, expectations, tmp_path):
    """Expected failures, unexpected passes, skips and a wildcard over required cases count the same in both."""
    bnaxis = bnaxis_command()
    expected, _ = bnaxis_outcomes(bnaxis, spec, str(tmp_path / "report.json"), "--expectations", expectations)
    finished = run_pytest(spec, "-q", "--bnaxis-exe", "none", "--junitxml", str(tmp_path / "junit.xml"),
                          "--bnaxis-expectations", expectations)
    assert finished.returncode in (0, 1), finished.stdout[-3000:] + finished.stderr[-3000:]
    assert differences(pytest_outcomes(tmp_path / "junit.xml"), expected) == {}


def test_the_pytorch_harness_under_its_profile_agrees_case_by_case(tmp_path):
    """The PyTorch harness is an Implementation too: under its profile the two runners count every case alike."""
    if importlib.util.find_spec("torch") is None:
        pytest.skip("no torch: apt-get install --no-install-recommends python3-torch")
    bnaxis = bnaxis_command()
    harness = os.path.join(REPOSITORY, "conformance", "harnesses", "pytorch")
    spec, profile = os.path.join(harness, "harness.py") + ":TorchBatchNorm", os.path.join(harness, "expectations-pytorch-profile.json")
    expected, _ = bnaxis_outcomes(bnaxis, spec, str(tmp_path / "report.json"), "--expectations", profile)
    finished = run_pytest(spec, "-q", "--bnaxis-exe", "none", "--junitxml", str(tmp_path / "junit.xml"), "--bnaxis-expectations", profile)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert differences(pytest_outcomes(tmp_path / "junit.xml"), expected) == {}
    assert "failed" not in expected.values()


@pytest.mark.parametrize("name", list(mistakes.ALL))
def test_a_one_mistake_failure_names_its_mistake(name, tmp_path):
    bnaxis = bnaxis_command()
    spec = f"{MISTAKES}:{name}"
    run_pytest(spec, "-q", "--bnaxis-exe", "none", "--junitxml", str(tmp_path / "junit.xml"))
    failed = sorted(i for i, o in pytest_outcomes(tmp_path / "junit.xml").items() if o == "failed" and i.startswith("keep."))
    assert failed, f"{name} fails no keep.* case"
    finished = run_pytest(spec, "-q", "-k", failed[0], "--bnaxis-exe", " ".join(bnaxis))
    assert f"diagnosis: {mistakes.ALL[name]}:" in finished.stdout, finished.stdout[-3000:]
