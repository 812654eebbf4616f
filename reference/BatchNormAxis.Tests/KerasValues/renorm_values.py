"""Prints what real Keras 3 computes with batch renormalization, for reference/BatchNormAxis.Tests/KerasRenormValuesTests.cs.

Run with any Keras >= 3.14 (the values in the tests come from Keras 3.15.1, numpy backend, NumPy 1.24.2):
    KERAS_BACKEND=numpy python3 renorm_values.py
Without pip, Keras' source at tag v3.15.1 plus scripts/compat/keras-standins/ on PYTHONPATH (see its README) imports the
same way; the stand-ins compute nothing for this layer.
"""
import numpy as np
import keras


def run(x, weights, clipping, training=True, calls=1, center=True, scale=True, momentum=0.75, epsilon=0.5625, renorm_momentum=0.5, mask=None):
    layer = keras.layers.BatchNormalization(axis=-1, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                                            renorm=True, renorm_clipping=clipping, renorm_momentum=renorm_momentum)
    layer.build(x.shape)
    layer.set_weights([np.asarray(weights[w.name], dtype="float32") for w in layer.weights])
    for _ in range(calls):
        y = layer(np.asarray(x, dtype="float32"), training=training, mask=None if mask is None else np.asarray(mask))
    return {"y": np.asarray(y).ravel(), **{w.name: np.asarray(w.numpy()).ravel() for w in layer.weights}}


def show(values):
    return "[" + ", ".join(repr(float(np.float32(v))) for v in np.ravel(values)) + "]"


x = np.array([[1, -1.5625], [3, -0.4375]])
base = dict(gamma=[2, 0.5], beta=[1, -1], moving_mean=[0, 0], moving_variance=[7, 7], moving_stddev=[1, 1],
            renorm_mean=[0, 0.5], renorm_stddev=[1, 0.25])
cases = {
    "base": dict(x=x, weights=base, clipping={}),
    "clip_all": dict(x=x, weights=base, clipping={"rmin": 1.5, "rmax": 2.0, "dmax": 1.0}),
    "floor": dict(x=x, weights={**base, "renorm_stddev": [0, 0.75]}, clipping={}),
    "relu": dict(x=x, weights={**base, "moving_stddev": [1, 0]}, clipping={}),
    "no_center_scale": dict(x=x, weights=base, clipping={}, center=False, scale=False),
    "two_calls": dict(x=x, weights=base, clipping={}, calls=2),
    "masked": dict(x=np.array([[1, -1.5625], [3, -0.4375], [1000, -1000]]), weights=base, clipping={}, mask=[True, True, False]),
    "inference": dict(x=x, weights={**base, "moving_mean": [0.5, -1], "moving_variance": [0.4375, 0]},
                      clipping={"rmax": 1.0, "dmax": 0.0}, training=False),
}
rng = np.random.default_rng(12)
random_x = (rng.normal(size=(4, 3)) * 2 + 3).astype(np.float32)
random_weights = {k: np.asarray(v, dtype=np.float32) for k, v in dict(
    gamma=rng.uniform(0.5, 1.5, 3), beta=rng.normal(size=3), moving_mean=np.zeros(3), moving_variance=np.ones(3),
    moving_stddev=rng.uniform(0.5, 1.5, 3), renorm_mean=rng.normal(size=3), renorm_stddev=rng.uniform(0.5, 1.5, 3)).items()}
cases["random_default"] = dict(x=random_x, weights=random_weights, clipping={"rmin": 0.8, "rmax": 1.25, "dmax": 0.5},
                               momentum=0.99, epsilon=1e-3, renorm_momentum=0.99)

print("keras", keras.__version__, keras.backend.backend(), "numpy", np.__version__)
for name, case in cases.items():
    print("==", name)
    if name == "random_default":
        print("  in x", show(case["x"]))
        for key, value in case["weights"].items():
            print("  in", key, show(value))
    for key, value in run(**case).items():
        print("  ", key, show(value))
