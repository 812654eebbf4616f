"""Naming the mistake behind a failure: `bnaxis diagnose` (docs/cli.md) reads the case id and the answer in the
protocol's run-reply form and prints the known convention the outputs match. The search lives in the .NET
runner only, so this module runs it as a process when one is at hand."""

import json
import os
import shlex
import shutil
import subprocess

ENVIRONMENT_VARIABLE = "BNAXIS_EXE"
HOW_TO_GET_ONE = ("no bnaxis to name the convention these outputs match: install it (`dotnet tool install -g bnaxis`), "
                  "or pass --bnaxis-exe COMMAND (e.g. \"dotnet run --project conformance/Cli --\") or set BNAXIS_EXE")


def command(given=None):
    """The bnaxis command as an argument list: the one given (option or BNAXIS_EXE, split like a shell would),
    else `bnaxis` on PATH; None when there is none or the one given is `none` (no diagnosis asked for)."""
    given = given or os.environ.get(ENVIRONMENT_VARIABLE)
    if given == "none":
        return None
    if given:
        return shlex.split(given)
    found = shutil.which("bnaxis")
    return [found] if found else None


def diagnose(bnaxis, fixtures, case_id, reply, timeout=300):
    """The lines to show for a failing answer: each convention named with its explanation, a line saying none was
    found, or why bnaxis could not be asked."""
    if bnaxis is None:
        return [HOW_TO_GET_ONE]
    arguments = [*bnaxis, "diagnose", case_id, "--fixtures", fixtures, "--json"]
    try:
        finished = subprocess.run(arguments, input=json.dumps(dict(reply, seq=1)), capture_output=True, text=True,
                                  timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return [f"bnaxis diagnose could not run ({shlex.join(arguments)}): {error}"]
    if finished.returncode not in (0, 1):
        last = (finished.stderr.strip().splitlines() or ["no message"])[-1]
        return [f"bnaxis diagnose exited with {finished.returncode}: {last}"]
    try:
        findings = json.loads(finished.stdout)["diagnosis"]
    except (ValueError, KeyError, TypeError):
        return [f"bnaxis diagnose printed no JSON report: {finished.stdout[:200]!r}"]
    if not findings:
        return ["diagnosis: none (no known convention explains these outputs alone)"]
    return [f"diagnosis: {f['convention']}: {f['explanation']}" for f in findings]
