"""What an implementation is to this package, and how it answers one case (docs/protocol.md, "run reply")."""

import importlib
import importlib.util
import os
import sys
import traceback

from . import tensors
from .case import Case
from .errors import Rejection, Skip, Unsupported

#: Every feature a case can need (docs/protocol.md, "start reply").
ALL_FEATURES = ("training", "inference", "frozen", "backward", "sequence", "mask", "list_axis", "multi_axis", "errors",
                "renorm")
ALL_DTYPES = ("float16", "bfloat16", "float32", "float64")


class Implementation:
    """An implementation under test: subclass it and override forward() (and backward() for gradients), or build
    one from functions with Implementation(forward=..., backward=...). The class attributes are the start reply.

    forward(case) returns a dict of NumPy arrays: y, moving_mean and moving_variance (and for renorm
    moving_stddev, renorm_mean, renorm_stddev), the statistics in the compact parameter shape. backward(case)
    returns dx, plus dgamma when case.layer.scale and dbeta when case.layer.center. Arrays are converted to the
    case dtype when sent; their shapes are sent as they are. Raise Rejection, Unsupported or Skip for those
    answers; any other exception is the case's `errored` answer."""

    name = "unnamed"
    version = ""
    language = "Python"
    dtypes = ("float16", "float32", "float64")
    ranks = (1, 2, 3, 4, 5, 6)
    features = ("training", "inference", "frozen", "sequence", "errors")

    def __init__(self, forward=None, backward=None, **attributes):
        if forward is not None:
            self.forward = forward
        if backward is not None:
            self.backward = backward
            attributes.setdefault("features", tuple(self.features) + ("backward",))
        for key, value in attributes.items():
            if key not in ("name", "version", "language", "dtypes", "ranks", "features"):
                raise TypeError(f"Implementation() got {key!r}: expected name, version, language, dtypes, ranks or features")
            setattr(self, key, value)
        unknown = [f for f in self.features if f not in ALL_FEATURES] + [d for d in self.dtypes if d not in ALL_DTYPES]
        if unknown:
            raise ValueError(f"unknown features or dtypes {unknown}: expected from {ALL_FEATURES} and {ALL_DTYPES}")

    def forward(self, case):
        raise Unsupported("forward", "this implementation has no forward()")

    def backward(self, case):
        raise Unsupported("backward", "this implementation has no backward()")

    def start_reply(self):
        implementation = {"name": str(self.name), "language": str(self.language)}
        if self.version:
            implementation["version"] = str(self.version)
        return {"protocol": 1, "implementation": implementation,
                "capabilities": {"dtypes": sorted(self.dtypes), "ranks": sorted(int(r) for r in self.ranks),
                                 "features": [f for f in ALL_FEATURES if f in self.features]}}

    def missing_for(self, entry):
        """What this implementation lacks for a manifest entry, or None: the runner's HarnessCapabilities.MissingFor."""
        if entry["dtype"] not in self.dtypes:
            return f"dtype {entry['dtype']}"
        if entry["kind"] != "invalid" and len(entry["shape"]) not in set(self.ranks):
            return f"rank {len(entry['shape'])}"
        return next((c for c in entry["capabilities"] if c not in self.features), None)


def answer(implementation, raw_case, catch=True):
    """The reply to one run message's case, without its seq. With catch=False an exception other than Rejection,
    Unsupported and Skip propagates (the pytest plugin shows its traceback) instead of becoming `errored`."""
    try:
        case = Case(raw_case)
        if case.kind == "backward":
            return {"outputs": _encoded(implementation.backward(case), case.dtype)}
        if case.kind == "sequence":
            return {"steps": list(_sequence(implementation, case))}
        return {"outputs": _encoded(implementation.forward(case), case.dtype)}
    except Rejection as rejection:
        return {"rejected": {"category": rejection.category, "message": str(rejection)}}
    except Unsupported as unsupported:
        return {"unsupported": {"capability": unsupported.capability, "message": str(unsupported)}}
    except Skip as skip:
        reply = {"skipped": {"message": str(skip)}}
        if skip.issue_url:
            reply["skipped"]["issue_url"] = skip.issue_url
        return reply
    except Exception as error:  # noqa: BLE001 - a bug in the implementation is this case's error; the run goes on
        if not catch:
            raise
        return {"errored": {"message": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}}


def _sequence(implementation, case):
    """One call per step on one layer; the statistics it returns are held in the case dtype for the next call."""
    inputs = dict(case.inputs)
    for k, (training, x) in enumerate(case.steps()):
        inputs["x"] = x
        outputs = implementation.forward(Case(case.raw, inputs=dict(inputs), training=training, step=k))
        for name, value in outputs.items():
            if name != "y" and name in inputs:
                inputs[name] = tensors.round_to(value, case.dtype)
        yield _encoded(outputs, case.dtype)


def _encoded(outputs, dtype):
    if not isinstance(outputs, dict):
        raise TypeError(f"forward/backward returned {type(outputs).__name__}: expected a dict of arrays by output name")
    return {str(name): tensors.encode(value, dtype) for name, value in outputs.items()}


def load(spec):
    """The implementation a spec names: "package.module:attribute" or "path/to/file.py:attribute". The attribute
    may be an Implementation, a class to instantiate without arguments, or any object with forward() (and
    optionally backward() and the capability attributes)."""
    module_name, _, attribute = spec.rpartition(":")
    if not module_name or not attribute:
        raise ValueError(f"implementation {spec!r}: expected module:attribute or path/to/file.py:attribute")
    if module_name.endswith(".py") or os.sep in module_name:
        path = os.path.abspath(module_name)
        if not os.path.isfile(path):
            raise ValueError(f"implementation {spec!r}: no file {module_name}")
        name = "bnaxis_impl_" + os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    if not hasattr(module, attribute):
        raise ValueError(f"implementation {spec!r}: {module_name} has no attribute {attribute!r}")
    target = getattr(module, attribute)
    if isinstance(target, type):
        target = target()
    if isinstance(target, Implementation):
        return target
    if not callable(getattr(target, "forward", None)):
        raise ValueError(f"implementation {spec!r} is a {type(target).__name__}: expected an Implementation or an object with forward()")
    adapted = Implementation(forward=target.forward, backward=getattr(target, "backward", None),
                             **{k: getattr(target, k) for k in ("name", "version", "language", "dtypes", "ranks", "features")
                                if hasattr(target, k)})
    return adapted
