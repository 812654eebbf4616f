#!/usr/bin/env python3
"""A BatchNormAxis harness in Python with NumPy: the template for writing your own.

Written from docs/protocol.md alone: each part below names the section it follows. It reads one JSON message per
line on stdin and writes one JSON answer per line on stdout; anything else goes to stderr. The layer is Keras
BatchNormalization(axis=...), implemented independently of the suite's own code with the standard library and
NumPy only. To test your implementation, keep the protocol part (main, answer, read_tensor, write_tensor) and
replace forward() and backward() with calls into your code.

    bnaxis run --harness "python3 conformance/harnesses/python/harness.py"

NumPy has no bfloat16, so this harness does not declare it, nor renorm (batch renormalization): those cases are
reported as unsupported, which is allowed since they are optional.
"""

import base64
import json
import sys

import numpy as np

# "start reply": what this harness computes. Ranks start at 1 ("Ranks and rank 0"); invalid cases, the rank-0 one
# included, come because of "errors", whatever the ranks.
DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
CAPABILITIES = {
    "dtypes": sorted(DTYPES),
    "ranks": [1, 2, 3, 4, 5, 6],
    "features": ["training", "inference", "frozen", "backward", "sequence", "mask", "list_axis", "multi_axis",
                 "errors"],
}
PARAMETERS = ("gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev")
KERAS_MASK_EPSILON = 1e-7  # Keras 3 adds backend.epsilon() to the masked statistics' denominators


class Rejection(Exception):
    """Invalid input: answered as {"rejected": {"category", "message"}} ("Invalid cases")."""

    def __init__(self, category, message):
        super().__init__(message)
        self.category = category


# --- Invalid cases: the categories, checked in the documented order (the first that applies wins) ------------

def resolve_axis(shape, axis):
    """The kept axes, ascending: rank, then the list's emptiness, then every entry's range, then duplicates."""
    rank = len(shape)
    if rank == 0:
        raise Rejection("rank_zero", "the input has rank 0: no axis to keep")
    spelled = axis if isinstance(axis, list) else [axis]
    if not spelled:
        raise Rejection("empty_axis_list", "axis=[] keeps no axis")
    for a in spelled:
        if not -rank <= a < rank:
            raise Rejection("axis_out_of_range", f"axis {a} is outside [{-rank}, {rank}) for input shape {shape}")
    resolved = [a % rank for a in spelled]
    if len(set(resolved)) != len(resolved):
        raise Rejection("duplicate_axis", f"axis={axis} names an axis twice: {resolved}")
    return sorted(resolved)


def check_inputs(shape, kept, inputs):
    """Then the weights' shapes (compact or broadcast parameter shape), then the mask's (the input's minus its last axis)."""
    compact = [shape[a] for a in kept]
    broadcast = [shape[a] if a in kept else 1 for a in range(len(shape))]
    for name in PARAMETERS:
        if name in inputs and list(inputs[name].shape) not in (compact, broadcast):
            raise Rejection("parameter_shape_mismatch",
                            f"{name} has shape {list(inputs[name].shape)}: expected {compact} or {broadcast}")
    if "mask" in inputs and list(inputs["mask"].shape) != list(shape[:-1]):
        raise Rejection("mask_shape_mismatch", f"mask has shape {list(inputs['mask'].shape)}: expected {shape[:-1]}")


# --- The layer ("Computing") -----------------------------------------------------------------------------------

def compute_dtype(dtype):
    """float16 (and bfloat16) are computed in float32, float32 in float32, float64 in float64."""
    return np.float64 if dtype == np.float64 else np.float32


class Layout:
    """The kept and reduced axes of an input shape, and the two parameter shapes."""

    def __init__(self, shape, kept):
        self.kept = kept
        self.reduced = tuple(a for a in range(len(shape)) if a not in kept)
        self.compact = [shape[a] for a in kept]  # the shape of weights and of parameter outputs
        self.broadcast = [shape[a] if a in kept else 1 for a in range(len(shape))]
        self.count = int(np.prod([shape[a] for a in self.reduced]))  # values per channel

    def weight(self, array, work):
        return array.astype(work).reshape(self.broadcast)

    def output(self, array, dtype):
        """A parameter output: the compact parameter shape, in the case's dtype ("run reply")."""
        return array.reshape(self.compact).astype(dtype)


def forward(x, layout, layer, training, weights, mask=None):
    """One call: y, and the moving mean and variance after it (unchanged unless training a trainable layer)."""
    dtype, work = x.dtype, compute_dtype(x.dtype)
    xw = x.astype(work)
    gamma = layout.weight(weights["gamma"], work) if layer["scale"] else 1
    beta = layout.weight(weights["beta"], work) if layer["center"] else 0
    moving_mean = layout.weight(weights["moving_mean"], work)
    moving_variance = layout.weight(weights["moving_variance"], work)

    if training and layer["trainable"]:
        if mask is None:
            mean = xw.mean(axis=layout.reduced, keepdims=True)
            variance = ((xw - mean) ** 2).mean(axis=layout.reduced, keepdims=True)  # two passes, biased
        else:
            w = np.broadcast_to(mask.astype(work)[..., None], x.shape)
            denominator = w.sum(axis=layout.reduced, keepdims=True) + work(KERAS_MASK_EPSILON)
            mean = (w * xw).sum(axis=layout.reduced, keepdims=True) / denominator
            variance = (w * (xw - mean) ** 2).sum(axis=layout.reduced, keepdims=True) / denominator
        momentum = work(layer["momentum"])
        new_mean = moving_mean * momentum + mean * (1 - momentum)
        new_variance = moving_variance * momentum + variance * (1 - momentum)
    else:  # inference, or frozen (trainable=false with training=true): the moving statistics, untouched
        mean, variance = moving_mean, moving_variance
        new_mean, new_variance = moving_mean, moving_variance

    with np.errstate(divide="ignore", invalid="ignore"):
        y = gamma * ((xw - mean) / np.sqrt(variance + work(layer["epsilon"]))) + beta
    return {
        "y": y.astype(dtype),
        "moving_mean": layout.output(new_mean, dtype),
        "moving_variance": layout.output(new_variance, dtype),
    }


def backward(x, dy, layout, layer, training, weights):
    """Gradients of sum(dy * y): dx, dgamma only with scale, dbeta only with center."""
    dtype, work = x.dtype, compute_dtype(x.dtype)
    xw, g = x.astype(work), dy.astype(work)
    gamma = layout.weight(weights["gamma"], work) if layer["scale"] else 1
    batch = training and layer["trainable"]
    if batch:
        mean = xw.mean(axis=layout.reduced, keepdims=True)
        variance = ((xw - mean) ** 2).mean(axis=layout.reduced, keepdims=True)
    else:
        mean = layout.weight(weights["moving_mean"], work)
        variance = layout.weight(weights["moving_variance"], work)

    deviation = np.sqrt(variance + work(layer["epsilon"]))
    normalized = (xw - mean) / deviation
    dbeta = g.sum(axis=layout.reduced, keepdims=True)
    dgamma = (g * normalized).sum(axis=layout.reduced, keepdims=True)
    if batch:  # the batch statistics depend on x too
        dx = gamma / deviation * (g - dbeta / layout.count - normalized * (dgamma / layout.count))
    else:
        dx = gamma / deviation * g

    outputs = {"dx": dx.astype(dtype)}
    if layer["scale"]:
        outputs["dgamma"] = layout.output(dgamma, dtype)
    if layer["center"]:
        outputs["dbeta"] = layout.output(dbeta, dtype)
    return outputs


# --- The protocol ----------------------------------------------------------------------------------------------

def read_tensor(tensor):
    """A tensor {"dtype", "shape", "data"}: base64 of the little-endian bytes, row-major; bool is one byte each."""
    raw = base64.b64decode(tensor["data"])
    if tensor["dtype"] == "bool":
        return np.frombuffer(raw, dtype=np.uint8).astype(bool).reshape(tensor["shape"])
    little_endian = np.dtype(DTYPES[tensor["dtype"]]).newbyteorder("<")
    return np.frombuffer(raw, dtype=little_endian).astype(DTYPES[tensor["dtype"]]).reshape(tensor["shape"])


def write_tensor(array):
    """The same encoding back; the shape is the array's, so it must already be the expected one."""
    little_endian = np.dtype(array.dtype).newbyteorder("<")
    return {
        "dtype": np.dtype(array.dtype).name,
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array, dtype=little_endian).tobytes()).decode("ascii"),
    }


def tensors(outputs):
    return {name: write_tensor(value) for name, value in outputs.items()}


def run(case):
    """The answer to one case ("run reply"), without its seq."""
    if case["dtype"] not in DTYPES:
        return {"unsupported": {"capability": f"dtype {case['dtype']}", "message": "NumPy has no such dtype"}}
    if case["layer"].get("renorm", False):
        return {"unsupported": {"capability": "renorm", "message": "batch renormalization is not implemented"}}
    inputs = {name: read_tensor(tensor) for name, tensor in case["inputs"].items()}
    shape = case["shape"]
    kept = resolve_axis(shape, case["axis"])
    check_inputs(shape, kept, inputs)
    layout = Layout(shape, kept)
    layer = case["layer"]
    weights = {name: inputs[name] for name in PARAMETERS if name in inputs}

    if case["kind"] == "backward":
        return {"outputs": tensors(backward(inputs["x"], inputs["dy"], layout, layer, case["training"], weights))}
    if case["kind"] == "sequence":
        steps = []
        for step in case["steps"]:
            outputs = forward(read_tensor(step["x"]), layout, layer, step["training"], weights)
            # The layer keeps its moving statistics in the case dtype: the next call starts from the rounded values.
            weights = dict(weights, moving_mean=outputs["moving_mean"], moving_variance=outputs["moving_variance"])
            steps.append(tensors(outputs))
        return {"steps": steps}
    # forward, and invalid cases whose input passed every check above: computing them is accepting them.
    return {"outputs": tensors(forward(inputs["x"], layout, layer, case["training"], weights, inputs.get("mask")))}


def answer(message):
    """One reply line for start and run; None for stop."""
    if message["cmd"] == "start":
        return {"protocol": 1,
                "implementation": {"name": "python-numpy-template", "version": np.__version__, "language": "Python"},
                "capabilities": CAPABILITIES}
    if message["cmd"] == "run":
        try:
            reply = run(message["case"])
        except Rejection as rejection:
            reply = {"rejected": {"category": rejection.category, "message": str(rejection)}}
        except Exception as error:  # a bug here is this case's error; the run goes on
            reply = {"errored": {"message": f"{type(error).__name__}: {error}"}}
        reply["seq"] = message["seq"]
        return reply
    return None


def main():
    for line in sys.stdin:
        reply = answer(json.loads(line))
        if reply is None:
            return
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
