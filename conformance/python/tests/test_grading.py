"""The grading rules mirror CaseGrader, OutputComparison.ExcessRatio and ConformanceRunner.Counted."""

import numpy as np
import pytest

from bnaxis_harness import encode
from bnaxis_harness.expectations import Expectation
from bnaxis_harness.grading import Comparison, Verdict, counted, grade


class Expected:
    def __init__(self, name, reference, tolerance, shape=None):
        self.name, self.dtype = name, "float32"
        self.reference, self.tolerance = np.array(reference, dtype=np.float64), np.array(tolerance, dtype=np.float64)
        self.shape = tuple(shape or (len(reference),))


class Fixture:
    def __init__(self, expected, kind="forward", expected_error=None):
        self.kind, self.dtype, self.expected, self.expected_error = kind, "float32", expected, expected_error


@pytest.mark.parametrize("reference, actual, tolerance, passed", [
    (1.0, 1.5, 0.5, True),          # on the tolerance
    (1.0, 1.5, 0.25, False),
    (0.0, -0.0, 0.0, True),         # an exact match passes with tolerance 0
    (1.0, 1.0 + 2 ** -20, 0.0, False),
    (np.inf, np.inf, 0.0, True),
    (np.inf, np.nan, 0.0, True),    # an infinite reference accepts NaN (one-pass inf - inf)
    (np.inf, -np.inf, 0.0, False),
    (np.nan, np.nan, 0.0, True),
    (np.nan, 1.0, 1e9, False),
    (1.0, np.nan, 1e9, False),
    (1.0, np.inf, 1e300, False),
])
def test_element_rule(reference, actual, tolerance, passed):
    comparison = Comparison("y", Expected("y", [reference], [tolerance]), np.array([actual]))
    assert comparison.passed is passed


def test_the_worst_element_is_the_first_largest_error_over_tolerance():
    comparison = Comparison("y", Expected("y", [0, 0, 0], [1, 0.1, 0.1]), np.array([0.5, 0.3, 0.3]))
    assert (comparison.passed, comparison.worst_index) == (False, 1)
    # float32 at 0 has the subnormal spacing 2**-149, so the error is 0.3 * 2**149 ULP.
    assert str(comparison) == "y[1]: expected 0.0, got 0.3; error 0.3 = 2.14E+44 ULP = 3x the tolerance 0.1"


def test_the_failure_line_is_the_runners():
    """The line bnaxis diagnose prints for this answer (docs/cli.md), but for the tolerance, rounded here to 3 digits
    (so 681x, where the runner says 680x)."""
    comparison = Comparison("moving_variance", Expected("moving_variance", [1.1239959228790557], [1.71e-06]), np.array([1.125160813331604]))
    assert str(comparison) == ("moving_variance[0]: expected 1.1239959228790557, got 1.125160813331604; "
                               "error 0.00116 = 9.77E+03 ULP = 681x the tolerance 1.71E-06")


def reply(**outputs):
    return {"outputs": {name: encode(np.array(value, dtype=np.float32), "float32") for name, value in outputs.items()}}


def test_a_valid_case_fails_on_a_missing_output_a_wrong_count_or_a_wrong_shape():
    fixture = Fixture([Expected("y", [1, 2], [0, 0]), Expected("moving_mean", [3, 4], [0, 0])])
    assert grade(fixture, reply(y=[1, 2], moving_mean=[3, 4], extra=[9])).verdict == "passed"
    assert grade(fixture, reply(y=[1, 2])).message == "no output 'moving_mean': expected y, moving_mean"
    assert "has 3 elements" in grade(fixture, reply(y=[1, 2, 3], moving_mean=[3, 4])).message
    assert grade(fixture, reply(y=[[1, 2]], moving_mean=[3, 4])).message == "output 'y' has shape (1, 2): expected (2,)"


def test_invalid_cases_pass_on_the_expected_category_only():
    fixture = Fixture([], kind="invalid", expected_error="duplicate_axis")
    assert grade(fixture, {"rejected": {"category": "duplicate_axis"}}).verdict == "passed"
    assert grade(fixture, {"rejected": {"category": "axis_out_of_range", "message": "m"}}).verdict == "failed"
    assert grade(fixture, reply(y=[1])).message == "accepted the input: expected a rejection as duplicate_axis"


def test_a_tensor_of_another_dtype_is_a_protocol_error():
    fixture = Fixture([Expected("y", [1], [0])])
    assert grade(fixture, {"outputs": {"y": encode(np.array([1.0]), "float64")}}).verdict == "crashed"


def entry(pattern, status="fail"):
    return Expectation(pattern, status, "why", None)


@pytest.mark.parametrize("verdict, required, expectation, outcome", [
    ("passed", True, None, "passed"),
    ("failed", True, None, "failed"),
    ("unsupported", True, None, "failed"),          # a required case declared away fails
    ("unsupported", False, None, "skipped"),
    ("failed", True, entry("keep.r4.k1.train.f32"), "skipped"),   # an expected failure
    ("passed", False, entry("keep.*"), "failed"),    # an unexpected pass
    ("errored", False, entry("keep.*"), "skipped"),
    ("passed", True, entry("keep.*"), "failed"),     # a wildcard cannot waive a required case
    ("skipped", True, entry("keep.r4.k1.train.f32", "skip"), "skipped"),
    ("skipped", True, entry("keep.*", "skip"), "failed"),
])
def test_counted_as_the_runner_counts(verdict, required, expectation, outcome):
    assert counted(Verdict(verdict, "m"), required, expectation)[0] == outcome
