#!/usr/bin/env python3
"""BatchNormAxis harness for Keras 3: runs the installed `keras.layers.BatchNormalization` through the protocol.

It uses Keras' public API only, as a Keras user would: `BatchNormalization(axis=..., momentum=..., epsilon=...,
center=..., scale=..., dtype=<the case's dtype>)` (plus `renorm=True, renorm_momentum=..., renorm_clipping={...}`
for renorm cases), `build(shape)`, `set_weights(...)` in `layer.weights` order, `trainable = False` for a frozen
layer, a call with `training=` and `mask=`, and the weights read back. A sequence reuses one layer. Any backend
works (`KERAS_BACKEND=numpy|torch|jax|tensorflow`); gradients come from the backend's own autodiff through
`layer.stateless_call` (torch, jax, tensorflow; the numpy backend has none, so `backward` is not declared).

It reports what Keras computes, right or wrong, and never corrects a convention or checks an input itself: Keras'
own exceptions are mapped to the protocol's error categories (ERRORS below, documented in
conformance/harnesses/README.md); anything else Keras raises is an `errored` reply with its traceback.

    pip install keras numpy     # and the backend you want: torch, jax or tensorflow
    KERAS_BACKEND=numpy bnaxis run --harness "python3 conformance/harnesses/keras/harness.py" \
        --expectations conformance/harnesses/keras/expectations-keras3-profile.json

BNAXIS_KERAS_RENORM=0 leaves the `renorm` feature out of the capabilities (for a bnaxis older than the renorm tier,
which refuses a feature it does not know); by default it is declared when Keras accepts `renorm=` (3.14 and later).
"""

import base64
import inspect
import json
import os
import re
import sys
import traceback

try:
    import numpy as np
    import keras
except Exception as error:  # one clear line instead of a traceback; the runner reports the harness unusable
    first = str(error).splitlines()[0] if str(error) else ""
    sys.stderr.write(f"keras harness: cannot import keras (KERAS_BACKEND={os.environ.get('KERAS_BACKEND', 'unset')}): "
                     f"{type(error).__name__}: {first}; Keras 3, NumPy and the backend must import "
                     "(`pip install keras numpy`, and torch, jax or tensorflow for those backends)\n")
    sys.exit(3)

BACKEND = keras.backend.backend()
RENORM_PARAMETERS = ("moving_stddev", "renorm_mean", "renorm_stddev")


def bfloat16():
    """NumPy's bfloat16 comes from ml_dtypes (Keras' own dependency); without a working one, no bfloat16."""
    try:
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    except Exception:  # not installed, or a stand-in that raises on use
        return None


WIRE = {"float16": np.dtype(np.float16), "float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}
BFLOAT16 = bfloat16()
if BFLOAT16 is not None:
    WIRE["bfloat16"] = BFLOAT16


def accepts_renorm():
    return "renorm" in inspect.signature(keras.layers.BatchNormalization.__init__).parameters


# Keras' own exceptions that are refusals, by the step that raised them -> the protocol's category. Cited at v3.15.1.
ERRORS = [
    # build: `shape = (input_shape[self.axis],)` (keras/src/layers/normalization/batch_normalization.py line 241)
    # raises a bare IndexError ("tuple index out of range") for an axis outside the rank, and for a rank-0 input
    # (no axis is inside rank 0): axis_out_of_range, or rank_zero when build was given the shape ().
    ("build", IndexError, "", "axis_out_of_range"),
    # set_weights: "Layer ... weight shape (2,) is not compatible with provided weight shape (3,)"
    # (keras/src/layers/layer.py lines 784-789).
    ("set_weights", ValueError, "is not compatible with provided weight shape", "parameter_shape_mismatch"),
    # call: "The mask provided should be one dimension less than the inputs" (batch_normalization.py lines 336-343).
    ("call", ValueError, "The mask provided should be one dimension less", "mask_shape_mismatch"),
]


def keras_message(error):
    """An exception as 'Type: first informative line'. Keras wraps errors raised inside call() in "Exception
    encountered when calling ...", with the original message on a later line in ANSI bold (keras/src/utils/
    traceback_utils.py); that original line is the one kept."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Exception encountered when calling")]
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


class KerasRaised(Exception):
    """An exception Keras raised in one step (build, set_weights, call, ...)."""

    def __init__(self, step, error):
        super().__init__(str(error))
        self.step, self.error = step, error
        self.trace = traceback.format_exc()


def step(name, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except Exception as error:
        raise KerasRaised(name, error) from error


# --- Tensors -----------------------------------------------------------------------------------------------------

def read_array(tensor):
    raw = base64.b64decode(tensor["data"])
    if tensor["dtype"] == "bool":
        return np.frombuffer(raw, dtype=np.uint8).astype(bool).reshape(tensor["shape"])
    if tensor["dtype"] == "bfloat16":  # the upper 16 bits of a float32
        wide = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        return wide.astype(WIRE["bfloat16"]).reshape(tensor["shape"])
    return np.frombuffer(raw, dtype=WIRE[tensor["dtype"]].newbyteorder("<")).astype(WIRE[tensor["dtype"]]).reshape(tensor["shape"])


def write_tensor(value, dtype):
    array = np.asarray(keras.ops.convert_to_numpy(value))
    if dtype == "bfloat16":
        data = (array.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
    else:
        data = np.ascontiguousarray(array, dtype=WIRE[dtype].newbyteorder("<")).tobytes()
    return {"dtype": dtype, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def tensor(array, dtype):
    return keras.ops.convert_to_tensor(array, dtype=dtype)


# --- The layer ---------------------------------------------------------------------------------------------------

def make_layer(case, shape):
    """BatchNormalization from the case, built for shape, with the case's weights and trainable flag."""
    spec = case["layer"]
    arguments = {"axis": case["axis"], "momentum": spec["momentum"], "epsilon": spec["epsilon"],
                 "center": spec["center"], "scale": spec["scale"], "dtype": case["dtype"]}
    if spec.get("renorm"):
        arguments.update(renorm=True, renorm_momentum=spec["renorm_momentum"],
                         renorm_clipping=dict(spec.get("renorm_clipping", {})))
    layer = step("construct", keras.layers.BatchNormalization, **arguments)
    step("build", layer.build, tuple(shape))
    inputs = case["inputs"]
    # A weight the case does not give keeps Keras' initial value (the case gives every weight Keras has).
    weights = [read_array(inputs[w.name]) if w.name in inputs else keras.ops.convert_to_numpy(w.value)
               for w in layer.weights]
    step("set_weights", layer.set_weights, weights)
    layer.trainable = spec["trainable"]
    return layer


def statistics(layer, case):
    names = ("moving_mean", "moving_variance") + (RENORM_PARAMETERS if case["layer"].get("renorm") else ())
    by_name = {w.name: w for w in layer.weights}
    return {name: write_tensor(by_name[name].value, case["dtype"]) for name in names}


def call(layer, x, training, mask, dtype):
    arguments = {"training": training}
    if mask is not None:
        arguments["mask"] = tensor(mask, "bool")
    return step("call", layer, tensor(x, dtype), **arguments)


def gradients(layer, x, dy, training, dtype):
    """d sum(dy * y) / d(x, gamma, beta) through the backend's autodiff and layer.stateless_call."""
    trainable, non_trainable = layer.trainable_variables, layer.non_trainable_variables
    targets = [w for w in (layer.gamma, layer.beta) if w is not None]
    start = {id(w): w.value for w in trainable + non_trainable}

    def loss(x_value, *target_values):
        values = dict(start)
        values.update({id(w): v for w, v in zip(targets, target_values)})
        y, _ = layer.stateless_call([values[id(w)] for w in trainable], [values[id(w)] for w in non_trainable],
                                    x_value, training=training)
        return keras.ops.sum(y * dy_tensor)

    dy_tensor = tensor(dy, dtype)
    x_tensor = tensor(x, dtype)
    target_tensors = [tensor(keras.ops.convert_to_numpy(w.value), w.dtype) for w in targets]
    if BACKEND == "torch":
        import torch
        leaves = [t.detach().clone().requires_grad_(True) for t in [x_tensor] + target_tensors]
        grads = torch.autograd.grad(loss(*leaves), leaves, allow_unused=True)
        grads = [torch.zeros_like(t) if g is None else g for t, g in zip(leaves, grads)]
    elif BACKEND == "jax":
        import jax
        grads = jax.grad(loss, argnums=tuple(range(1 + len(targets))))(x_tensor, *target_tensors)
    elif BACKEND == "tensorflow":
        import tensorflow as tf
        leaves = [tf.Variable(t) for t in [x_tensor] + target_tensors]
        with tf.GradientTape() as tape:
            total = loss(*leaves)
        grads = [tf.zeros_like(v) if g is None else g for v, g in zip(leaves, tape.gradient(total, leaves))]
    else:
        raise AssertionError(f"no autodiff on the {BACKEND} backend; backward is not declared")
    names = ["dx"] + ["dgamma" if w is layer.gamma else "dbeta" for w in targets]
    return {name: write_tensor(g, dtype) for name, g in zip(names, grads)}


def run(case):
    dtype = case["dtype"]
    inputs = case["inputs"]
    if case["kind"] == "sequence":
        layer = make_layer(case, case["shape"])
        steps = []
        for entry in case["steps"]:
            y = call(layer, read_array(entry["x"]), entry["training"], None, dtype)
            steps.append({"y": write_tensor(y, dtype), **statistics(layer, case)})
        return {"steps": steps}

    x = read_array(inputs["x"])
    mask = read_array(inputs["mask"]) if "mask" in inputs else None
    layer = make_layer(case, x.shape)
    if case["kind"] == "backward":
        return {"outputs": step("backward", gradients, layer, x, read_array(inputs["dy"]), case["training"], dtype)}
    y = call(layer, x, case["training"], mask, dtype)
    return {"outputs": {"y": write_tensor(y, dtype), **statistics(layer, case)}}


def reply_for(raised, case):
    error = raised.error
    for step_name, kind, text, category in ERRORS:
        if raised.step == step_name and isinstance(error, kind) and text in str(error):
            if category == "axis_out_of_range" and case.get("shape") == []:
                category = "rank_zero"
            return {"rejected": {"category": category, "message": f"keras {step_name}: {keras_message(error)}"}}
    return {"errored": {"message": f"keras {raised.step}: {keras_message(error)}", "traceback": raised.trace}}


def capabilities():
    features = ["training", "inference", "frozen", "sequence", "mask", "errors"]
    if BACKEND in ("torch", "jax", "tensorflow"):
        features.append("backward")
    if accepts_renorm() and os.environ.get("BNAXIS_KERAS_RENORM", "1") != "0":
        features.append("renorm")
    # No list_axis or multi_axis: Keras 3 takes one int axis (`self.axis = int(axis)`, batch_normalization.py line 182).
    return {"dtypes": sorted(WIRE), "ranks": [1, 2, 3, 4, 5, 6], "features": features}


def backend_version():
    module = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}.get(BACKEND)
    version = getattr(sys.modules.get(module), "__version__", None) if module else None
    return f"{module} {version}" if version else f"{BACKEND} backend"


def main():
    for line in sys.stdin:
        try:
            message = json.loads(line)
            command = message.get("cmd") if isinstance(message, dict) else None
        except ValueError:
            message, command = None, None
        if command not in ("start", "run", "stop") or (command == "run" and not isinstance(message.get("seq"), int)):
            reply = {"error": {"message": f"keras harness: not a start, run or stop message: {line[:200]!r}"}}
        elif command == "start":
            reply = {
                "protocol": 1,
                "implementation": {"name": f"keras-{BACKEND}", "version": f"{keras.__version__} ({backend_version()})",
                                   "language": "Python",
                                   "homepage": "https://keras.io/api/layers/normalization_layers/batch_normalization/"},
                "capabilities": capabilities(),
            }
        elif command == "run":
            try:
                reply = run(message["case"])
            except KerasRaised as raised:
                reply = reply_for(raised, message["case"])
            except Exception as error:  # the harness's own fault (a case it cannot read): errored, never a crash
                reply = {"errored": {"message": f"keras harness: {type(error).__name__}: {error}",
                                     "traceback": traceback.format_exc()}}
            reply["seq"] = message["seq"]
        else:
            return
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
