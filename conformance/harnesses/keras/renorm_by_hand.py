#!/usr/bin/env python3
"""Checks the Keras harness's renorm path on small hand-made cases, until the renorm fixture tier exists.

Builds cases in the fixture format for renorm (layer.renorm, renorm_momentum, renorm_clipping; inputs
moving_stddev, renorm_mean, renorm_stddev), runs them through harness.run() on the installed Keras (3.14 or later),
and compares every output with the renorm formulas, computed here in float64 from the same inputs:
    stddev = sqrt(var + eps), sigma = max(renorm_stddev, sqrt(eps)),
    r = clip(stddev / sigma, rmin, rmax), d = clip((mean - renorm_mean) / sigma, -dmax, dmax),
    y = (x - mean) / stddev * (r * gamma) + (d * gamma + beta),
    renorm_mean' = renorm_mean*rm + mean*(1-rm), renorm_stddev' = renorm_stddev*rm + stddev*(1-rm),
    moving_mean' = moving_mean*m + mean*(1-m), moving_stddev' = moving_stddev*m + stddev*(1-m),
    moving_variance' = max(moving_stddev'^2 - eps, 0); frozen and inference: no renorm, nothing updated.
Keras computes float32 in float32, so the bound is relative 1e-5 of the largest value of each output.
Prints one line per output and exits 1 if any is outside the bound.

    KERAS_BACKEND=numpy python3 conformance/harnesses/keras/renorm_by_hand.py
"""

import base64
import sys

import numpy as np

import harness

EPS = 1e-3


def encode(array, dtype="float32"):
    array = np.asarray(array, dtype=np.float32)
    return {"dtype": dtype, "shape": list(array.shape), "data": base64.b64encode(array.astype("<f4").tobytes()).decode()}


def decode(tensor):
    return harness.read_array(tensor).astype(np.float64)


def expected_step(x, kept, layer, training, state):
    """One call by the formulas above; state holds the weights (float64) and is updated."""
    reduced = tuple(a for a in range(x.ndim) if a != kept)
    shape = [x.shape[a] if a == kept else 1 for a in range(x.ndim)]
    gamma = state.get("gamma", np.ones(x.shape[kept])).reshape(shape)
    beta = state.get("beta", np.zeros(x.shape[kept])).reshape(shape)
    if not (training and layer["trainable"]):
        y = (x - state["moving_mean"].reshape(shape)) / np.sqrt(state["moving_variance"].reshape(shape) + EPS) * gamma + beta
        return y
    mean, var = x.mean(axis=reduced), x.var(axis=reduced)
    stddev = np.sqrt(var + EPS)
    sigma = np.maximum(state["renorm_stddev"], np.sqrt(EPS))
    clip = layer["renorm_clipping"]
    r = np.clip(stddev / sigma, clip.get("rmin", -np.inf), clip.get("rmax", np.inf))
    d = np.clip((mean - state["renorm_mean"]) / sigma, -clip.get("dmax", np.inf), clip.get("dmax", np.inf))
    y = (x - mean.reshape(shape)) / stddev.reshape(shape) * (r.reshape(shape) * gamma) + (d.reshape(shape) * gamma + beta)
    rm, m = layer["renorm_momentum"], layer["momentum"]
    state["renorm_mean"] = state["renorm_mean"] * rm + mean * (1 - rm)
    state["renorm_stddev"] = state["renorm_stddev"] * rm + stddev * (1 - rm)
    state["moving_mean"] = state["moving_mean"] * m + mean * (1 - m)
    state["moving_stddev"] = state["moving_stddev"] * m + stddev * (1 - m)
    state["moving_variance"] = np.maximum(state["moving_stddev"] ** 2 - EPS, 0)
    return y


def compare(label, got, expected):
    bound = 1e-5 * max(1.0, float(np.max(np.abs(expected))))
    error = float(np.max(np.abs(got - expected)))
    print(f"{'ok  ' if error <= bound else 'FAIL'} {label}: max |error| {error:.2e} (bound {bound:.1e})")
    return error <= bound


def check(name, x_steps, trainings, layer_overrides, kept=1):
    rng = np.random.default_rng(12)
    channels = x_steps[0].shape[kept]
    layer = {"momentum": 0.9, "epsilon": EPS, "center": True, "scale": True, "trainable": True,
             "renorm": True, "renorm_momentum": 0.5, "renorm_clipping": {"rmin": 0.8, "rmax": 1.25, "dmax": 0.3}}
    layer.update(layer_overrides)
    weights = {"moving_mean": rng.normal(0, 0.5, channels), "moving_stddev": rng.uniform(0.5, 2, channels),
               "renorm_mean": rng.normal(0, 0.5, channels), "renorm_stddev": rng.uniform(0.5, 2, channels)}
    weights["moving_variance"] = weights["moving_stddev"] ** 2 - EPS
    if layer["scale"]:
        weights["gamma"] = rng.uniform(0.5, 1.5, channels)
    if layer["center"]:
        weights["beta"] = rng.normal(0, 1, channels)
    weights = {k: v.astype(np.float32).astype(np.float64) for k, v in weights.items()}  # what the case can carry
    case = {"id": name, "dtype": "float32", "shape": list(x_steps[0].shape), "axis": kept, "layer": layer,
            "inputs": {k: encode(v) for k, v in weights.items()}}
    if len(x_steps) == 1:
        case.update(kind="forward", training=trainings[0])
        case["inputs"]["x"] = encode(x_steps[0])
        outputs = [harness.run(case)["outputs"]]
    else:
        case.update(kind="sequence", steps=[{"training": t, "x": encode(x)} for x, t in zip(x_steps, trainings)])
        outputs = harness.run(case)["steps"]
    state = dict(weights)
    ok = True
    for index, (x, training, got) in enumerate(zip(x_steps, trainings, outputs)):
        x64 = x.astype(np.float32).astype(np.float64)
        y = expected_step(x64, kept, layer, training, state)
        ok &= compare(f"{name} step {index} y", decode(got["y"]), y)
        for statistic in ("moving_mean", "moving_variance") + harness.RENORM_PARAMETERS:
            ok &= compare(f"{name} step {index} {statistic}", decode(got[statistic]), state[statistic])
    return ok


def main():
    if not harness.accepts_renorm():
        sys.stderr.write(f"renorm_by_hand: Keras {harness.keras.__version__} has no renorm= (3.14 and later)\n")
        return 2
    rng = np.random.default_rng(3)
    x = [rng.normal(1.5, 2.5, (6, 3, 2)), rng.normal(-1, 0.5, (6, 3, 2)), rng.normal(0, 1, (6, 3, 2)),
         rng.normal(0, 1, (6, 3, 2))]
    ok = check("train.clip-all", x[:1], [True], {})
    ok &= check("train.no-clip", x[:1], [True], {"renorm_clipping": {}})
    ok &= check("sequence.clip-all", x, [True, True, True, False], {})
    ok &= check("frozen", x[:1], [True], {"trainable": False})
    ok &= check("center-scale-off", x[:2], [True, True], {"center": False, "scale": False, "renorm_clipping": {"dmax": 0.1}})
    ok &= check("axis-2", [v.transpose(0, 2, 1) for v in x[:2]], [True, True], {}, kept=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
