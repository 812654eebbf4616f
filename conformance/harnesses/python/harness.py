#!/usr/bin/env python3
"""A BatchNormAxis harness in Python with NumPy: the template for writing your own.

It speaks the protocol of docs/protocol.md on stdin/stdout and implements Keras BatchNormalization(axis=...)
independently of the suite's own code, with the standard library and NumPy only. To test your implementation,
keep the protocol part (main, read_tensor, write_tensor, the reply shapes) and replace the functions
forward() and backward() with calls into your code.

    bnaxis run --harness "python3 conformance/harnesses/python/harness.py"

NumPy has no bfloat16, so this harness does not declare it: those cases are reported as unsupported.
"""

import base64
import json
import sys

import numpy as np

DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
KERAS_MASK_EPSILON = 1e-7  # Keras 3 adds backend.epsilon() to the masked statistics' denominators


class Rejection(Exception):
    """Input the layer must refuse; category is one of the protocol's error categories."""

    def __init__(self, category, message):
        super().__init__(message)
        self.category = category


# --- Keras semantics -------------------------------------------------------------------------------------------

def resolve_axis(shape, axis):
    """The kept axes, sorted. axis is an int or (tf.keras) a list; negative values count from the end."""
    rank = len(shape)
    if rank == 0:
        raise Rejection("rank_zero", f"input shape {tuple(shape)} has rank 0")
    spelled = axis if isinstance(axis, list) else [axis]
    if not spelled:
        raise Rejection("empty_axis_list", f"axis={axis} keeps no axis")
    resolved = [a + rank if a < 0 else a for a in spelled]
    for given, a in zip(spelled, resolved):
        if not 0 <= a < rank:
            raise Rejection("axis_out_of_range", f"axis {given} is out of range for rank {rank}")
    if len(set(resolved)) != len(resolved):
        raise Rejection("duplicate_axis", f"axis={axis} resolves to {resolved}")
    return sorted(resolved)


def compute_dtype(dtype):
    """Keras computes float16 (and bfloat16) in float32, float32 in float32, and float64 in float64 on the TensorFlow
    backend (since Keras 3.12 the other backends compute float64 in float32: docs/keras2-vs-keras3.md)."""
    return np.float64 if dtype == np.float64 else np.float32


def forward(x, kept, layer, training, weights, mask=None):
    """One call of the layer: returns y and the moving mean and variance after the call."""
    dtype = x.dtype
    work = compute_dtype(dtype)
    rank = x.ndim
    reduced = tuple(a for a in range(rank) if a not in kept)
    broadcast = [x.shape[a] if a in kept else 1 for a in range(rank)]
    channels = int(np.prod([x.shape[a] for a in kept]))

    def parameter(name, default):
        return (weights[name] if name in weights else np.full(channels, default)).astype(work).reshape(broadcast)

    gamma = parameter("gamma", 1.0) if layer["scale"] else np.ones(broadcast, work)
    beta = parameter("beta", 0.0) if layer["center"] else np.zeros(broadcast, work)
    moving_mean = parameter("moving_mean", 0.0)
    moving_variance = parameter("moving_variance", 1.0)
    xw = x.astype(work)

    if training and layer["trainable"]:
        if mask is None:
            mean = xw.mean(axis=reduced, keepdims=True)
            variance = ((xw - mean) ** 2).mean(axis=reduced, keepdims=True)  # two-pass, biased
        else:
            w = np.broadcast_to(mask.astype(work)[..., None], x.shape)
            denominator = w.sum(axis=reduced, keepdims=True) + work(KERAS_MASK_EPSILON)
            mean = (w * xw).sum(axis=reduced, keepdims=True) / denominator
            variance = (w * (xw - mean) ** 2).sum(axis=reduced, keepdims=True) / denominator
        m = work(layer["momentum"])
        new_mean = moving_mean * m + mean * (1 - m)
        new_variance = moving_variance * m + variance * (1 - m)
    else:
        mean, variance = moving_mean, moving_variance
        new_mean, new_variance = moving_mean, moving_variance

    epsilon = work(layer["epsilon"])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = gamma * ((xw - mean) / np.sqrt(variance + epsilon)) + beta
    return {
        "y": y.astype(dtype),
        "moving_mean": new_mean.reshape(-1).astype(dtype),
        "moving_variance": new_variance.reshape(-1).astype(dtype),
    }


def backward(x, dy, kept, layer, training, weights):
    """Gradients of sum(dy * y): dx, and dgamma and dbeta when the layer has them."""
    dtype = x.dtype
    work = compute_dtype(dtype)
    rank = x.ndim
    reduced = tuple(a for a in range(rank) if a not in kept)
    broadcast = [x.shape[a] if a in kept else 1 for a in range(rank)]
    count = int(np.prod([x.shape[a] for a in reduced])) if reduced else 1
    xw, g = x.astype(work), dy.astype(work)
    gamma = weights["gamma"].astype(work).reshape(broadcast) if layer["scale"] else np.ones(broadcast, work)

    batch = training and layer["trainable"]
    if batch:
        mean = xw.mean(axis=reduced, keepdims=True)
        variance = ((xw - mean) ** 2).mean(axis=reduced, keepdims=True)
    else:
        mean = weights["moving_mean"].astype(work).reshape(broadcast)
        variance = weights["moving_variance"].astype(work).reshape(broadcast)

    deviation = np.sqrt(variance + work(layer["epsilon"]))
    normalized = (xw - mean) / deviation
    dbeta = g.sum(axis=reduced, keepdims=True)
    dgamma = (g * normalized).sum(axis=reduced, keepdims=True)
    if batch:
        dx = gamma / deviation * (g - dbeta / count - normalized * (dgamma / count))
    else:
        dx = gamma / deviation * g

    outputs = {"dx": dx.astype(dtype)}
    if layer["scale"]:
        outputs["dgamma"] = dgamma.reshape(-1).astype(dtype)
    if layer["center"]:
        outputs["dbeta"] = dbeta.reshape(-1).astype(dtype)
    return outputs


def check_shapes(case, kept, weights, mask):
    """Parameters have the compact shape (the kept dims) or the broadcast one; a mask drops the last axis."""
    shape = case["shape"]
    compact = [shape[a] for a in kept]
    broadcast = [shape[a] if a in kept else 1 for a in range(len(shape))]
    for name, value in weights.items():
        if list(value.shape) not in (compact, broadcast):
            raise Rejection("parameter_shape_mismatch", f"{name} has shape {value.shape}, expected {compact}")
    if mask is not None and list(mask.shape) != list(shape[:-1]):
        raise Rejection("mask_shape_mismatch", f"mask has shape {mask.shape}, expected {shape[:-1]}")


# --- The protocol ----------------------------------------------------------------------------------------------

def read_tensor(tensor):
    """Base64 little-endian bytes, row-major, into a NumPy array of the tensor's dtype and shape."""
    raw = base64.b64decode(tensor["data"])
    if tensor["dtype"] == "bool":
        return np.frombuffer(raw, dtype=np.uint8).astype(bool).reshape(tensor["shape"])
    dtype = np.dtype(DTYPES[tensor["dtype"]]).newbyteorder("<")
    return np.frombuffer(raw, dtype=dtype).astype(DTYPES[tensor["dtype"]]).reshape(tensor["shape"])


def write_tensor(array):
    dtype = np.dtype(array.dtype).newbyteorder("<")
    return {
        "dtype": np.dtype(array.dtype).name,
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii"),
    }


def run(case):
    inputs = {name: read_tensor(tensor) for name, tensor in case["inputs"].items()}
    if case["dtype"] not in DTYPES:
        return {"unsupported": {"capability": f"dtype {case['dtype']}", "message": "NumPy has no such dtype"}}
    kept = resolve_axis(case["shape"], case["axis"])
    weights = {n: inputs[n] for n in ("gamma", "beta", "moving_mean", "moving_variance") if n in inputs}
    mask = inputs.get("mask")
    check_shapes(case, kept, weights, mask)
    layer = case["layer"]

    if case["kind"] == "backward":
        results = backward(inputs["x"], inputs["dy"], kept, layer, case["training"], weights)
        return {"outputs": {name: write_tensor(value) for name, value in results.items()}}

    if case["kind"] == "sequence":
        steps = []
        for step in case["steps"]:
            results = forward(read_tensor(step["x"]), kept, layer, step["training"], weights)
            weights = dict(weights, moving_mean=results["moving_mean"], moving_variance=results["moving_variance"])
            steps.append({name: write_tensor(value) for name, value in results.items()})
        return {"steps": steps}

    results = forward(inputs["x"], kept, layer, case["training"], weights, mask)
    return {"outputs": {name: write_tensor(value) for name, value in results.items()}}


def main():
    for line in sys.stdin:
        message = json.loads(line)
        if message["cmd"] == "start":
            reply = {
                "protocol": 1,
                "implementation": {"name": "python-numpy-template", "version": np.__version__, "language": "Python"},
                "capabilities": {
                    "dtypes": sorted(DTYPES),
                    "ranks": [1, 2, 3, 4, 5, 6],
                    "features": ["training", "inference", "frozen", "backward", "sequence", "mask",
                                 "list_axis", "multi_axis", "errors"],
                },
            }
        elif message["cmd"] == "run":
            try:
                reply = run(message["case"])
            except Rejection as rejection:
                reply = {"rejected": {"category": rejection.category, "message": str(rejection)}}
            except Exception as error:  # a bug here is reported on this case; the run goes on
                reply = {"errored": {"message": f"{type(error).__name__}: {error}"}}
            reply["seq"] = message["seq"]
        else:
            return
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
