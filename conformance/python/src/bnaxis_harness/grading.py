"""Grading an answer as `bnaxis run` does, so the pytest plugin's verdicts agree with it case by case. Each rule
mirrors the C# code named beside it (conformance/Conformance):

- CaseGrader.Grade: skipped, unsupported and errored answers are their own verdicts; an invalid case passes only on
  a rejection with the expected category; a valid case fails on a rejection, a missing output, a wrong element
  count, or a shape other than the expected one (checked in that order, output by output, in the fixture's order);
  extra outputs are ignored.
- OutputComparison.Compare (and DTypes.Ulp for the failure line): an element passes when |actual - reference| <= tolerance; an infinite reference accepts
  the same infinity or NaN; a NaN reference accepts NaN only; otherwise NaN or an infinity fails; an exact match
  passes even with tolerance 0.
- ProtocolMessages.ParseRunReply: an output tensor whose dtype is not the case's, or whose shape disagrees with its
  data, is a protocol error (verdict crashed).
- ConformanceRunner.Counted and RequiredTier: how a verdict counts (passed, failed, skipped) given the case's
  required tier and its expectation.
"""

import base64

import numpy as np

from . import tensors

REQUIRED_FEATURES = {"training", "inference", "frozen", "sequence", "errors"}
ITEM_SIZES = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


def is_required(entry, declared_dtypes):
    """RequiredTier.IsRequired: cases that need only required features, in float32 for every implementation and in
    float64 for one that declares float64 (claiming float64 means computing in float64)."""
    if not all(c in REQUIRED_FEATURES for c in entry["capabilities"]):
        return False
    return entry["dtype"] == "float32" or (entry["dtype"] == "float64" and "float64" in declared_dtypes)


#: (precision in bits, smallest normal exponent) of each dtype, for DTypes.Ulp.
FORMATS = {"float16": (11, -14), "bfloat16": (8, -126), "float32": (24, -126), "float64": (53, -1022)}


def ulp(dtype, value):
    """DTypes.Ulp: the spacing of dtype values at value, 2**(max(e, emin) - p + 1)."""
    precision, minimum = FORMATS[dtype]
    exponent = minimum if value == 0 or not np.isfinite(value) else max(int(np.frexp(abs(value))[1]) - 1, minimum)
    return 2.0 ** (exponent - precision + 1)


class Comparison:
    """OutputComparison: pass or not, and the worst element (largest error relative to its tolerance)."""

    def __init__(self, name, expected, actual):
        self.name = name
        reference, tolerance = expected.reference, expected.tolerance
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            error = np.abs(actual - reference)
            ratio = np.where(error == 0, 0.0, np.where(tolerance > 0, error / np.where(tolerance > 0, tolerance, 1), np.inf))
        ratio = np.where(np.isnan(reference) | np.isnan(actual) | np.isinf(actual), np.where(np.isnan(reference) & np.isnan(actual), 0.0, np.inf), ratio)
        ratio = np.where(np.isinf(reference), np.where((reference == actual) | np.isnan(actual), 0.0, np.inf), ratio)
        self.passed = bool(np.all(ratio <= 1))
        self.worst_index = int(np.argmax(ratio)) if ratio.size else 0
        self.reference = float(reference[self.worst_index]) if ratio.size else float("nan")
        self.actual = float(actual[self.worst_index]) if ratio.size else float("nan")
        self.tolerance = float(tolerance[self.worst_index]) if ratio.size else 0.0
        self.ratio = float(ratio[self.worst_index]) if ratio.size else 0.0
        self.dtype = expected.dtype

    def __str__(self):
        at = f"{self.name}[{self.worst_index}]"
        if np.isnan(self.actual) and not np.isnan(self.reference):
            return f"{at}: NaN where {self.reference!r} was expected"
        if not (np.isfinite(self.actual) and np.isfinite(self.reference)):
            return f"{at}: expected {self.reference!r}, got {self.actual!r}"
        error = abs(self.actual - self.reference)
        ulps = error / ulp(self.dtype, self.reference)
        described = f"{at}: expected {self.reference!r}, got {self.actual!r}; error {error:.3G} = {ulps:.3G} ULP"
        if self.tolerance > 0:
            return f"{described} = {self.ratio:.3G}x the tolerance {self.tolerance:.3G}"
        return f"{described}, where the tolerance is 0 (an exact match is expected)"


class Verdict:
    """The verdict on one answer (CaseResult): passed, failed, unsupported, skipped, errored or crashed, a message,
    and the comparisons made."""

    def __init__(self, verdict, message=None, comparisons=()):
        self.verdict = verdict
        self.message = message
        self.comparisons = list(comparisons)


def _output_values(name, tensor, dtype):
    """An output tensor's values as float64, or the protocol error the runner would report for it."""
    if not isinstance(tensor, dict) or tensor.get("dtype") != dtype:
        return None, f"output '{name}' has dtype {tensor.get('dtype') if isinstance(tensor, dict) else tensor!r}: expected {dtype}, the case's dtype"
    shape = tuple(tensor["shape"])
    count = len(base64.b64decode(tensor["data"])) // ITEM_SIZES[dtype]
    if int(np.prod(shape, dtype=np.int64)) != count:
        return None, f"output '{name}' has shape {shape} but {count} values"
    return tensors.decode(tensor).astype(np.float64).reshape(-1), None


def grade(fixture, reply):
    """CaseGrader.Grade on a reply in the protocol's run-reply form (without seq)."""
    def described(what, body):
        body = body or {}
        return what + (f": {body['message']}" if body.get("message") else "") + (f" ({body['issue_url']})" if body.get("issue_url") else "")

    if "skipped" in reply:
        return Verdict("skipped", described("skipped by the implementation", reply["skipped"]))
    if "unsupported" in reply:
        return Verdict("unsupported", described(f"unsupported: {reply['unsupported'].get('capability')}", reply["unsupported"]))
    if "errored" in reply:
        return Verdict("errored", described("the implementation errored", reply["errored"]))
    if fixture.kind == "invalid":
        if "rejected" not in reply:
            return Verdict("failed", f"accepted the input: expected a rejection as {fixture.expected_error}")
        rejected = reply["rejected"]
        if rejected["category"] == fixture.expected_error:
            return Verdict("passed")
        return Verdict("failed", f"rejected as {rejected['category']} ({rejected.get('message')}): expected {fixture.expected_error}")
    if "rejected" in reply:
        return Verdict("failed", f"rejected a valid case as {reply['rejected']['category']}: {reply['rejected'].get('message')}")

    produced = {}
    if fixture.kind == "sequence":
        for k, step in enumerate(reply.get("steps", [])):
            produced.update({f"steps[{k}].{name}": tensor for name, tensor in step.items()})
    else:
        produced = dict(reply.get("outputs", {}))
    values, shapes = {}, {}
    for name, tensor in produced.items():
        values[name], problem = _output_values(name, tensor, fixture.dtype)
        if problem:
            return Verdict("crashed", f"protocol error: {problem}")
        shapes[name] = tuple(tensor["shape"])

    comparisons = []
    for expected in fixture.expected:
        actual = values.get(expected.name)
        if actual is None:
            names = ", ".join(e.name for e in fixture.expected)
            return Verdict("failed", f"no output '{expected.name}': expected {names}", comparisons)
        if actual.size != expected.reference.size:
            return Verdict("failed", f"output '{expected.name}' has {actual.size} elements: expected {expected.reference.size} (shape {expected.shape})", comparisons)
        if shapes[expected.name] != expected.shape:
            return Verdict("failed", f"output '{expected.name}' has shape {shapes[expected.name]}: expected {expected.shape}", comparisons)
        comparisons.append(Comparison(expected.name, expected, actual))
    failure = next((c for c in comparisons if not c.passed), None)
    return Verdict("passed" if failure is None else "failed", None if failure is None else str(failure), comparisons)


def counted(verdict, required, expectation):
    """ConformanceRunner.Counted: (outcome, message), outcome one of passed, failed, skipped."""
    if required and expectation is not None and expectation.is_wildcard:
        what = {"passed": "it passed"}.get(verdict.verdict, verdict.message or verdict.verdict)
        if verdict.verdict == "skipped" and expectation.status == "skip":
            what = "not run"
        return "failed", (f"the wildcard entry '{expectation.pattern}' ({expectation.reason}) cannot waive a required case, "
                          f"only an entry with its exact id can: counted as failed; {what}")
    expected_to_fail = expectation is not None and expectation.status == "fail"
    skipped_by_expectation = expectation is not None and expectation.status == "skip" and verdict.verdict == "skipped"
    if verdict.verdict == "passed":
        if expected_to_fail:
            return "failed", f"passed unexpectedly: the expectation says it fails ({expectation.reason}); remove the entry"
        return "passed", None
    if verdict.verdict in ("unsupported", "skipped"):
        if required and not expected_to_fail and not skipped_by_expectation:
            return "failed", f"{verdict.message} (a required case)"
        if expected_to_fail:
            return "skipped", f"expected failure ({expectation.reason}): {verdict.message}"
        return "skipped", verdict.message
    if expected_to_fail:
        return "skipped", f"expected failure ({expectation.reason}): {verdict.message}"
    return "failed", verdict.message
