#!/usr/bin/env python3
"""Checks Keras 3 behaviours that no fixture shows, on the installed Keras and backend (KERAS_BACKEND).

Prints a JSON list of rows {peer, behaviour, status, count, evidence} for scripts/compat/build_report.py
(--extra-behaviours), each from a small deterministic computation here; `status` is "shown" or "not shown".
Keras is cited at v3.15.1.

    KERAS_BACKEND=numpy python3 conformance/harnesses/keras/known_behaviours.py > behaviours.json
"""

import json
import sys

import numpy as np
import keras

from harness import keras_message

PEER = f"keras-{keras.backend.backend()}"


def row(behaviour, shown, evidence):
    return {"peer": PEER, "behaviour": behaviour, "status": "shown" if shown else "not shown",
            "count": 1 if shown else 0, "evidence": evidence}


def raised(function):
    """The exception function raises, as 'Type: first line', or None."""
    try:
        function()
    except Exception as error:  # whatever Keras raises is the observation
        return keras_message(error)
    return None


def layer(axis=-1, **kwargs):
    return keras.layers.BatchNormalization(axis=axis, **kwargs)


def one_channel_masked_training():
    bn = layer()
    x = np.arange(20, dtype=np.float32).reshape(4, 5, 1)
    mask = np.arange(20).reshape(4, 5) % 3 != 0
    bn.build(x.shape)
    error = raised(lambda: bn(x, training=True, mask=mask))
    return row("masked training with one channel crashes: `_moments` returns `ops.squeeze(mean)`, a scalar "
               "(keras/src/layers/normalization/batch_normalization.py line 474), and the backend's "
               "`batch_normalization` reads `mean.shape[0]` (numpy backend: keras/src/backend/numpy/nn.py line 971)",
               error is not None,
               f"shape (4, 5, 1), axis -1, a mask, training: {error}" if error else
               "shape (4, 5, 1), axis -1, a mask, training: no exception")


def masked_two_pass_unmasked_single_pass():
    x = (1000.0 + np.sin(np.arange(24, dtype=np.float64)).reshape(8, 3)).astype(np.float32)
    exact = np.var(x.astype(np.float64), axis=0)  # two-pass, biased, in float64

    def moving_variance(mask):
        bn = layer(momentum=0.0)  # moving_variance becomes the batch variance
        bn.build(x.shape)
        bn(x, training=True, mask=mask)
        return keras.ops.convert_to_numpy(bn.moving_variance).astype(np.float64)

    unmasked = np.max(np.abs(moving_variance(None) - exact) / exact)
    masked = np.max(np.abs(moving_variance(np.ones(8, dtype=bool)) - exact) / exact)
    return row("masked batch statistics are two-pass (batch_normalization.py lines 462-471); unmasked ones come "
               "from the backend's `ops.moments`, single-pass `E[x^2] - E[x]^2` on the numpy backend "
               "(keras/src/backend/numpy/nn.py line 951)",
               masked < 1e-4 < unmasked,
               f"float32 data 1000 + sin(i), shape (8, 3), axis -1, momentum 0: relative error of the batch variance "
               f"{unmasked:.1e} without a mask, {masked:.1e} with an all-true mask")


def out_of_range_axis():
    errors = []
    for axis in (4, -5):
        bn = layer(axis=axis)
        errors.append(raised(lambda: bn.build((3, 5, 2, 4))))
    shown = all(e is not None and e.startswith("IndexError") for e in errors)
    return row("an out-of-range axis is not checked: `build` raises a bare IndexError from `input_shape[self.axis]` "
               "(batch_normalization.py line 241); `compute_output_shape` has a ValueError for it (line 326) that "
               "a call never reaches",
               shown, f"build((3, 5, 2, 4)) with axis 4: {errors[0]}; with axis -5: {errors[1]}")


def list_axis():
    error = raised(lambda: layer(axis=[1]))
    return row("one int axis only: `self.axis = int(axis)` (batch_normalization.py line 182) refuses tf.keras' list "
               "spelling", error is not None, f"BatchNormalization(axis=[1]): {error}")


def main():
    rows = [one_channel_masked_training(), masked_two_pass_unmasked_single_pass(), out_of_range_axis(), list_axis()]
    json.dump(rows, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
