"""The pytest plugin from the outside: tests named by case id, -k, failures that say how to get a diagnosis, and
one-line usage errors."""

import json
import os
import shutil

from support import FIXTURES, MISTAKES, TEMPLATE, run_pytest


def test_cases_are_tests_named_by_id_and_k_selects_them():
    finished = run_pytest(TEMPLATE, "--collect-only", "-q", "-k", "keep.r4.k1.train")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    collected = [line for line in finished.stdout.splitlines() if line.startswith("bnaxis::")]
    # Every case id holding the keyword, from the manifest, and nothing else.
    with open(os.path.join(FIXTURES, "manifest.json"), encoding="utf-8") as file:
        ids = [case["id"] for case in json.load(file)["cases"]]
    assert collected == [f"bnaxis::{i}" for i in ids if "keep.r4.k1.train" in i]
    assert len(collected) >= 2


def test_without_bnaxis_a_failure_says_how_to_get_a_diagnosis():
    finished = run_pytest(f"{MISTAKES}:EpsilonOutsideRoot", "-q", "-k", "keep.r4.k1.infer.f32", "--bnaxis-exe", "none")
    assert finished.returncode == 1
    assert "keep.r4.k1.infer.f32 (required): y[" in finished.stdout
    assert "dotnet tool install -g bnaxis" in finished.stdout


def test_a_bad_implementation_spec_is_one_usage_error():
    finished = run_pytest("no_such_module_xyz:Thing", "-q")
    assert finished.returncode == 4
    assert "bnaxis: No module named 'no_such_module_xyz'" in finished.stderr


def test_a_bad_expectations_file_is_one_usage_error(tmp_path):
    path = tmp_path / "e.json"
    path.write_text('{"expectations": [{"id": "x", "status": "fail"}]}')
    finished = run_pytest(TEMPLATE, "-q", "--bnaxis-expectations", str(path))
    assert finished.returncode == 4
    assert "entry 0: 'reason' is null: expected a reason that is not blank" in finished.stderr


def test_a_changed_case_file_fails_its_case_in_one_line(tmp_path):
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    with open(os.path.join(FIXTURES, "manifest.json"), encoding="utf-8") as file:
        entry = next(c for c in json.load(file)["cases"] if c["kind"] == "forward")
    with open(copy / entry["path"], "ab") as file:
        file.write(b" ")
    finished = run_pytest(TEMPLATE, "-q", "--bnaxis-fixtures", str(copy), "-k", entry["id"])
    assert finished.returncode == 1
    assert f"{entry['id']}: the fixtures cannot be used: case {entry['id']}: {entry['path']} has SHA-256 " in finished.stdout


def test_the_ini_option_adds_the_suite_to_the_projects_own_tests(tmp_path):
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nbnaxis_impl = {TEMPLATE}\n")
    (tmp_path / "test_own.py").write_text("def test_own():\n    pass\n")
    finished = run_pytest(None, "--collect-only", "-q", "-k", "own or keep.r4.k1.train.f32", cwd=str(tmp_path))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert [line for line in finished.stdout.splitlines() if "::" in line] == ["test_own.py::test_own", "bnaxis::keep.r4.k1.train.f32"]
