"""What the package's tests share: where the repository is, how to run pytest with the plugin and bnaxis run on an
implementation, and how to read their per-case outcomes."""

import importlib.metadata
import json
import os
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.abspath(os.path.join(TESTS, "..", "..", ".."))
SOURCE = os.path.join(REPOSITORY, "conformance", "python", "src")
FIXTURES = os.path.join(REPOSITORY, "fixtures")
TEMPLATE = os.path.join(REPOSITORY, "conformance", "harnesses", "python", "harness.py") + ":NumPyBatchNorm"
MISTAKES = os.path.join(TESTS, "mistakes.py")


def installed():
    """Whether the plugin is installed (its pytest11 entry point), rather than only importable from the source (an
    in-tree build leaves an egg-info in src/, which the template harness puts on sys.path)."""
    return any(e.name == "bnaxis" and os.path.abspath(str(e.dist.locate_file(""))) != SOURCE
               for e in importlib.metadata.entry_points(group="pytest11"))


def environment():
    """The environment for child processes: the package importable even when it is not installed."""
    env = dict(os.environ)
    if not installed():
        env["PYTHONPATH"] = os.pathsep.join([SOURCE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("BNAXIS_EXE", None)
    env.pop("BNAXIS_FIXTURES", None)
    return env


def bnaxis_command():
    """bnaxis as an argument list ($BNAXIS_EXE, else bnaxis on PATH). Without one the test is skipped, unless
    BNAXIS_REQUIRE_EXE=1 (as in .ci/run), where that is a failure."""
    given = os.environ.get("BNAXIS_EXE") or shutil.which("bnaxis")
    if given:
        return shlex.split(given)
    if os.environ.get("BNAXIS_REQUIRE_EXE") == "1":
        pytest.fail("BNAXIS_REQUIRE_EXE=1 but neither BNAXIS_EXE nor bnaxis on PATH")
    pytest.skip("no bnaxis: set BNAXIS_EXE (e.g. 'dotnet conformance/Cli/bin/Release/net10.0/bnaxis.dll') or put bnaxis on PATH")


def run_pytest(spec, *arguments, cwd=None):
    """pytest with the plugin on an implementation (None: the one the ini file names); returns the finished process."""
    # --option=VALUE: a separate path argument would count in pytest's search for its rootdir and ini file.
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--bnaxis-fixtures={FIXTURES}"]
    command += [f"--bnaxis-impl={spec}"] if spec else []
    if not installed():
        # From the source: by module name. An in-tree build leaves src/*.egg-info, whose entry point would
        # register the same module a second time, so that name is blocked.
        command[3:3] = ["-p", "no:bnaxis", "-p", "bnaxis_harness.pytest_plugin"]
    return subprocess.run(command + list(arguments), cwd=cwd or REPOSITORY, env=environment(), capture_output=True, text=True,
                          timeout=1800, check=False)


def pytest_outcomes(junit_path):
    """Case id -> passed, failed or skipped (xfailed counts as skipped, as an expected failure does in bnaxis run)."""
    outcomes = {}
    for testcase in ElementTree.parse(junit_path).getroot().iter("testcase"):
        children = {child.tag for child in testcase}
        outcome = "failed" if children & {"failure", "error"} else "skipped" if "skipped" in children else "passed"
        outcomes[testcase.get("name")] = outcome
    return outcomes


def bnaxis_outcomes(bnaxis, spec, report_path, *arguments):
    """Case id -> outcome from `bnaxis run` on the implementation served by `python3 -m bnaxis_harness`, and the
    JSON report's cases."""
    harness = f"{shlex.quote(sys.executable)} -m bnaxis_harness {shlex.quote(spec)}"
    finished = subprocess.run([*bnaxis, "run", "--harness", harness, "--fixtures", FIXTURES, "--json", report_path, *arguments],
                              cwd=REPOSITORY, env=environment(), capture_output=True, text=True, timeout=1800, check=False)
    assert finished.returncode in (0, 1), f"bnaxis run exited with {finished.returncode}: {finished.stderr[-2000:]}"
    with open(report_path, encoding="utf-8") as file:
        cases = json.load(file)["cases"]
    return {case["id"]: case["outcome"] for case in cases}, cases
