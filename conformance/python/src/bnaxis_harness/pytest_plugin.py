"""pytest plugin: every fixture case becomes a test named by its id, graded as `bnaxis run` grades it.

    pytest --bnaxis-impl mypkg.mod:MyBatchNorm [--bnaxis-expectations FILE] [--bnaxis-fixtures DIR] [--bnaxis-exe CMD]

Outcomes map to pytest's: a passing case passes; a failing one fails with the worst element and, when bnaxis is at
hand, the named convention; an optional case the implementation does not declare is skipped (a required one
fails, as in `bnaxis run`); a case an expectations file says fails is xfailed with the entry's reason (a pass is
an unexpected pass and fails); a `skip` entry skips. With --bnaxis-impl and no paths on the command line only the
fixture cases are collected; `pytest --bnaxis-impl X tests/`, or the ini option bnaxis_impl, collects both.
"""

import pytest

from . import diagnosis, expectations, fixtures, grading
from .implementation import answer, load


def pytest_addoption(parser):
    group = parser.getgroup("bnaxis", "BatchNormAxis conformance suite")
    group.addoption("--bnaxis-impl", metavar="MODULE:ATTRIBUTE",
                    help="the implementation to test: module:attribute or path/to/file.py:attribute (an "
                         "Implementation, a class, or an object with forward/backward); turns on the suite")
    group.addoption("--bnaxis-fixtures", metavar="DIR",
                    help="the fixture directory (default: $BNAXIS_FIXTURES, else the nearest fixtures/ above the "
                         "current directory or the package)")
    group.addoption("--bnaxis-expectations", metavar="FILE",
                    help="known failures and skips, the format of `bnaxis run --expectations`")
    group.addoption("--bnaxis-exe", metavar="COMMAND",
                    help="the bnaxis command that names a failure's convention (default: $BNAXIS_EXE, else bnaxis on PATH)")
    parser.addini("bnaxis_impl", "the implementation to test, as --bnaxis-impl")


class Suite:
    """What the session needs: the implementation, the fixtures, the expectations, the bnaxis command."""

    def __init__(self, config, spec):
        option = config.getoption
        try:
            self.implementation = load(spec)
            self.fixtures = fixtures.FixtureSet(fixtures.find(option("--bnaxis-fixtures")))
            path = option("--bnaxis-expectations")
            self.expectations = expectations.load(path) if path else []
        except (ValueError, ImportError, fixtures.FixtureError, expectations.ExpectationsError) as error:
            raise pytest.UsageError(f"bnaxis: {error}") from None
        self.bnaxis = diagnosis.command(option("--bnaxis-exe"))
        self.stale = expectations.stale(self.expectations, list(self.fixtures.by_id))


def pytest_configure(config):
    spec = config.getoption("--bnaxis-impl") or config.getini("bnaxis_impl")
    config._bnaxis = Suite(config, spec) if spec else None


def pytest_report_header(config):
    suite = config._bnaxis
    if suite is None:
        return None
    implementation = suite.implementation
    lines = [f"bnaxis: {implementation.name} {implementation.version} on suite {suite.fixtures.suite_version} "
             f"({suite.fixtures.directory}, manifest sha256 {suite.fixtures.manifest_sha256})",
             f"bnaxis diagnosis: {' '.join(suite.bnaxis) if suite.bnaxis else 'unavailable (no bnaxis on PATH)'}"]
    lines += [f"bnaxis: warning: stale expectation '{e.pattern}' matches no case of this suite ({e.reason})" for e in suite.stale]
    return lines


def pytest_ignore_collect(collection_path, config):
    """With --bnaxis-impl and no paths given, the fixture cases are the whole session (set in the ini file instead,
    the suite joins the project's own tests)."""
    if config.getoption("--bnaxis-impl") and config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Adds the cases before -k and -m deselect."""
    suite = config._bnaxis
    if suite is None:
        return
    collector = SuiteCollector.from_parent(session, name="bnaxis", nodeid="bnaxis")
    cases = [CaseItem.from_parent(collector, name=entry["id"], entry=entry) for entry in suite.fixtures.entries]
    items.extend(cases)
    # Reported as collected, so the "collected N items" line and --collect-only count them.
    config.hook.pytest_collectreport(report=pytest.CollectReport(collector.nodeid, "passed", None, cases))


class SuiteCollector(pytest.Collector):
    def collect(self):
        return []


class CaseFailure(Exception):
    """A case that counts as failed; its message is the whole report."""


class CaseItem(pytest.Item):
    def __init__(self, *, entry, **kwargs):
        super().__init__(**kwargs)
        self.entry = entry

    def runtest(self):
        suite = self.config._bnaxis
        entry = self.entry
        required = grading.is_required(entry, suite.implementation.dtypes)
        expectation = expectations.match(suite.expectations, entry["id"])
        reply = None
        if expectation is not None and expectation.status == "skip":
            verdict = grading.Verdict("skipped", f"skipped by expectation: {expectation.reason}")
        elif missing := suite.implementation.missing_for(entry):
            verdict = grading.Verdict("unsupported", f"the implementation does not declare {missing}")
        else:
            try:
                fixture = suite.fixtures.read(entry["id"])
            except fixtures.FixtureError as error:  # changed since the manifest was written: bnaxis run refuses to start
                raise CaseFailure(f"{entry['id']}: the fixtures cannot be used: {error}") from None
            try:
                reply = answer(suite.implementation, fixture.run_case, catch=False)
            except Exception:
                # The implementation raised: `bnaxis run` sees an errored answer. Expected to fail: xfail; else
                # the traceback is the report.
                if expectation is not None and expectation.status == "fail" and not (required and expectation.is_wildcard):
                    pytest.xfail(f"expected failure ({expectation.reason}): the implementation raised")
                raise
            verdict = grading.grade(fixture, reply)
        outcome, message = grading.counted(verdict, required, expectation)
        if outcome == "passed":
            return
        if outcome == "skipped":
            if expectation is not None and expectation.status == "fail":
                pytest.xfail(message)
            pytest.skip(message or verdict.verdict)
        lines = [f"{entry['id']}{' (required)' if required else ''}: {message}"]
        if reply is not None and verdict.verdict == "failed" and ("outputs" in reply or "steps" in reply):
            lines += [f"  {c}" for c in verdict.comparisons if not c.passed][1:]
            lines += diagnosis.diagnose(suite.bnaxis, suite.fixtures.directory, entry["id"], reply)
        raise CaseFailure("\n".join(lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"bnaxis case {self.name}"
