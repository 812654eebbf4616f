"""Runs the Keras 3 code of docs/migration.md and the NaN example of docs/troubleshooting.md through Keras itself.

    KERAS_BACKEND=numpy PYTHONPATH=<stand-ins>:<keras 3.15.1 source> /usr/bin/python3 scripts/compat/check_migration.py

scripts/compat/run-peers.sh runs it with the same Keras it runs the harness with. It checks, on the NumPy backend:

1. migration.md's Python block (executed as printed) and every row of its rewrite table build a Keras 3 model that,
   given tf.keras' list-axis weights of the broadcast shape flattened with `reshape(-1)` (the page's weight code,
   executed as printed), computes in training and in inference what `BatchNormalization(axis=[...])` computes: the
   list-axis statistics taken with NumPy in float64 over the reduced axes. The moving statistics after the training
   call are compared too.
2. troubleshooting.md's float32 example near 1e4: Keras' own layer gives NaN for every output of channel 0 and
   finite outputs for channel 1.

Tolerance of (1): Keras computes in float32 with the single-pass variance E[x²] - E[x]² (backend/numpy/nn.py line
951). Each float32 operation rounds by at most u = 2^-24; a mean of n <= 96 values is off by at most (n + 1)u
relative to the mean of the magnitudes, so the variance is off by at most about 2(n + 2)u * E[x²], which for this
data (|mean| <= 1, standard deviation about 1.2, so E[x²] <= 3 variance) is below 6 * 98 * 2^-24 * variance, about
3.5e-5 relative. y = (x - mean) / sqrt(variance + eps) * gamma + beta then carries half that relative error in the
scale plus a few roundings, so |y - expected| <= 2e-5 * (1 + |y|) holds with margin; moving statistics, a weighted
sum of two such values, the same bound.

Exit codes: 0 every check holds; 1 a check fails (the page's code does not compute what it claims); 3 Keras does not
import (the environment, not the page).
"""
import os
import re
import sys

try:
    import numpy as np
    import keras
    from keras import layers
except Exception as error:  # an unusable environment, reported in one line
    sys.stderr.write(f"check_migration: cannot import keras (KERAS_BACKEND={os.environ.get('KERAS_BACKEND', 'unset')}): "
                     f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}\n")
    sys.exit(3)

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
TOLERANCE = 2e-5
failures = []
largest = [0.0]  # the largest relative difference seen, for the summary line


def read(page):
    with open(os.path.join(DOCS, page), encoding="utf-8") as handle:
        return handle.read()


def python_blocks(page):
    return re.findall(r"^```python\n(.*?)^```", read(page), re.S | re.M)


def check(what, actual, expected):
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        failures.append(f"{what}: shape {actual.shape}, expected {expected.shape}")
        return
    worst = np.max(np.abs(actual - expected) / (1 + np.abs(expected)))
    largest[0] = max(largest[0], float(worst))
    if not worst <= TOLERANCE:
        failures.append(f"{what}: differs by {worst:.3g} relative to 1 + |expected|, more than {TOLERANCE}")


def list_axis_layer(x, kept, weights, momentum=0.99, epsilon=1e-3):
    """tf.keras' BatchNormalization(axis=kept) in float64: weights in the broadcast shape; training then inference."""
    reduced = tuple(a for a in range(x.ndim) if a not in kept)
    gamma, beta, moving_mean, moving_variance = weights
    mean, variance = x.mean(axis=reduced, keepdims=True), x.var(axis=reduced, keepdims=True)
    y_training = (x - mean) / np.sqrt(variance + epsilon) * gamma + beta
    new_mean = moving_mean * momentum + mean * (1 - momentum)
    new_variance = moving_variance * momentum + variance * (1 - momentum)
    y_inference = (x - new_mean) / np.sqrt(new_variance + epsilon) * gamma + beta
    return y_training, y_inference, new_mean, new_variance


class _Layer:
    def __init__(self, weights=None, layer=None):
        self._weights, self._layer = weights, layer

    def get_weights(self):
        return self._weights

    def set_weights(self, weights):
        self._layer.set_weights(weights)


class _Model:
    def __init__(self, layer):
        self._layer = layer

    def get_layer(self, name):
        return self._layer


def check_rewrite(what, model, x, kept):
    """Loads list-axis weights into `model` with the page's weight code, then compares both calls."""
    rng = np.random.default_rng(7)
    broadcast = tuple(x.shape[a] if a in kept else 1 for a in range(x.ndim))
    weights = [rng.uniform(0.5, 1.5, broadcast), rng.uniform(-0.5, 0.5, broadcast),
               rng.uniform(-0.2, 0.2, broadcast), rng.uniform(0.5, 1.5, broadcast)]
    weights = [w.astype(np.float32) for w in weights]
    batch_norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    if len(batch_norms) != 1:
        failures.append(f"{what}: {len(batch_norms)} BatchNormalization layers, expected 1")
        return
    weight_code = [block for block in python_blocks("migration.md") if "set_weights" in block][0]
    exec(weight_code, {"tf_keras_model": _Model(_Layer(weights=weights)), "model": _Model(_Layer(layer=batch_norms[0]))})
    for variable, w in zip(batch_norms[0].weights, weights):
        if tuple(variable.shape) != (w.size,):
            failures.append(f"{what}: Keras weight {variable.name} has shape {tuple(variable.shape)}, expected {(w.size,)}")

    y_training, y_inference, new_mean, new_variance = list_axis_layer(x.astype(np.float64), kept, [w.astype(np.float64) for w in weights])
    check(f"{what}: training output", keras.ops.convert_to_numpy(model(x, training=True)), y_training)
    check(f"{what}: moving mean", keras.ops.convert_to_numpy(batch_norms[0].moving_mean).reshape(-1), new_mean.reshape(-1))
    check(f"{what}: moving variance", keras.ops.convert_to_numpy(batch_norms[0].moving_variance).reshape(-1), new_variance.reshape(-1))
    check(f"{what}: inference output", keras.ops.convert_to_numpy(model(x, training=False)), y_inference)


def migration():
    code = [block for block in python_blocks("migration.md") if "keras.Input" in block][0]
    namespace = {}
    exec(code, namespace)
    H, W, C = namespace["H"], namespace["W"], namespace["C"]
    x = (np.random.default_rng(3).normal(size=(6, H, W, C)) * 1.2 + 0.5).astype(np.float32)
    check_rewrite("migration.md code, axis=[1, 2]", namespace["model"], x, (1, 2))

    table = re.search(r"^\| tf\.keras 2 on `\(N, H, W, C\)` \| Keras 3 \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", read("migration.md"), re.M)
    rows = re.findall(r"^\| `axis=\[([\d, ]+)\]` \| (.*) \|$", table.group(1), re.M)
    if len(rows) != 4:
        failures.append(f"migration.md rewrite table: {len(rows)} rows read, expected 4")
    for axis, recipe in rows:
        guarded(f"migration.md table, axis=[{axis}]", lambda axis=axis, recipe=recipe: check_table_row(axis, recipe, x))


def check_table_row(axis, recipe, x):
    """Builds the row's layers, as printed, after a Keras input of x's shape, and checks the model."""
    kept = tuple(int(a) for a in axis.split(","))
    H, W, C = x.shape[1:]
    inputs = keras.Input((H, W, C))
    z = inputs
    for call in re.findall(r"`([^`]+)`", recipe):
        z = eval("layers." + call, {"layers": layers, "H": H, "W": W, "C": C})(z)
    check_rewrite(f"migration.md table, axis=[{axis}]", keras.Model(inputs, z), x, kept)

def guarded(what, action):
    """Runs one check; an exception from Keras (a shape it refuses, say) is a failed check, reported in one line."""
    try:
        action()
    except Exception as error:  # noqa: BLE001 - every Keras error is a verdict on the page's code
        failures.append(f"{what}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")


def troubleshooting():
    block = [b for b in re.findall(r"^```bn-example\n(.*?)^```", read("troubleshooting.md"), re.S | re.M) if "float32_single_pass_variance" in b][0]
    x_text = re.search(r"^x:(.*?)^[a-z_0-9]+:", block, re.S | re.M).group(1)
    x = np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", x_text)], np.float32).reshape(-1, 2)
    with np.errstate(invalid="ignore"):  # the NaN is the point
        y = keras.ops.convert_to_numpy(layers.BatchNormalization(axis=-1)(x, training=True))
    if not np.all(np.isnan(y[:, 0])):
        failures.append(f"troubleshooting.md: Keras' channel 0 output is {y[:, 0].tolist()}, the page says NaN")
    if not np.all(np.isfinite(y[:, 1])):
        failures.append(f"troubleshooting.md: Keras' channel 1 output is {y[:, 1].tolist()}, the page says finite")


if keras.__version__ != "3.15.1" or keras.backend.backend() != "numpy":
    sys.stderr.write(f"check_migration: Keras {keras.__version__} on the {keras.backend.backend()} backend; expected 3.15.1 on numpy\n")
    sys.exit(3)
guarded("migration.md", migration)
guarded("troubleshooting.md", troubleshooting)
if failures:
    sys.stderr.write("check_migration: the docs' Keras 3 code does not compute what they claim:\n  " + "\n  ".join(failures) + "\n")
    sys.exit(1)
print(f"check_migration: migration.md's code (5 models) computes what the list-axis layer does (largest difference "
      f"{largest[0]:.2g} of 1 + |expected|, allowed {TOLERANCE}), and troubleshooting.md's example is NaN on channel 0 "
      "only, in Keras 3.15.1 (numpy backend)")
