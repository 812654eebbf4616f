#!/usr/bin/env python3
"""A BatchNormAxis harness in Python with NumPy: the template for writing your own.

The protocol (docs/protocol.md) is the bnaxis_harness package's (conformance/python): it decodes each case,
calls forward() or backward() below, encodes the outputs, answers rejections and errors. What is left here is the
layer: Keras BatchNormalization(axis=...), implemented independently of the suite's own code with NumPy only. To
test your implementation, replace forward() and backward() with calls into your code.

    bnaxis run --harness "python3 conformance/harnesses/python/harness.py"
    pytest --bnaxis-impl conformance/harnesses/python/harness.py:NumPyBatchNorm

NumPy has no bfloat16, so this harness does not declare it, nor renorm (batch renormalization): those cases are
reported as unsupported, which is allowed since they are optional.
"""

import os
import sys

import numpy as np

# From a clone, without `pip install ./conformance/python`: the package next door.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))
import bnaxis_harness as bnaxis  # noqa: E402

KERAS_MASK_EPSILON = 1e-7  # Keras 3 adds backend.epsilon() to the masked statistics' denominators


class Layout:
    """The kept and reduced axes of a case's input, and the two parameter shapes."""

    def __init__(self, case, kept):
        shape = case.shape
        self.reduced = tuple(a for a in range(len(shape)) if a not in kept)
        self.compact = [shape[a] for a in kept]  # the shape of weights and of parameter outputs
        self.broadcast = [shape[a] if a in kept else 1 for a in range(len(shape))]
        self.count = int(np.prod([shape[a] for a in self.reduced]))  # values per channel

    def weight(self, array, work):
        return array.astype(work).reshape(self.broadcast)

    def output(self, array):
        """A parameter output in the compact parameter shape (the package rounds it to the case dtype)."""
        return array.reshape(self.compact)


class NumPyBatchNorm(bnaxis.Implementation):
    """Keras BatchNormalization: float16 computed in float32, float32 in float32, float64 in float64."""

    name = "python-numpy-template"
    version = np.__version__
    dtypes = ("float16", "float32", "float64")
    ranks = (1, 2, 3, 4, 5, 6)
    features = ("training", "inference", "frozen", "backward", "sequence", "mask", "list_axis", "multi_axis", "errors")

    def layout(self, case):
        """The invalid-input checks in the documented order (rank, axis list, ranges, duplicates, weights, mask)."""
        kept = bnaxis.kept_axes(case.shape, case.axis)
        bnaxis.check_shapes(case.shape, kept, case.inputs)
        return Layout(case, kept)

    def batch_statistics(self, x, layout, mask, work):
        """Mean and biased variance over the reduced axes, in two passes; with a mask, weighted as Keras 3 does."""
        if mask is None:
            mean = x.mean(axis=layout.reduced, keepdims=True)
            with np.errstate(invalid="ignore"):  # inf - inf on infinite data: NaN, as Keras gives
                return mean, ((x - mean) ** 2).mean(axis=layout.reduced, keepdims=True)
        w = np.broadcast_to(mask.astype(work)[..., None], x.shape)
        denominator = w.sum(axis=layout.reduced, keepdims=True) + work(KERAS_MASK_EPSILON)
        mean = (w * x).sum(axis=layout.reduced, keepdims=True) / denominator
        return mean, (w * (x - mean) ** 2).sum(axis=layout.reduced, keepdims=True) / denominator

    def moving_update(self, moving_mean, moving_variance, mean, variance, momentum, layout):
        """moving = moving * momentum + batch * (1 - momentum), fed the biased batch variance."""
        return moving_mean * momentum + mean * (1 - momentum), moving_variance * momentum + variance * (1 - momentum)

    def deviation(self, variance, epsilon):
        return np.sqrt(variance + epsilon)

    def normalize(self, x, mean, variance, gamma, beta, epsilon, layout):
        """gamma * (x - mean) / sqrt(variance + epsilon) + beta, each parameter broadcast over the reduced axes."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return gamma * ((x - mean) / self.deviation(variance, epsilon)) + beta

    def forward(self, case):
        """y, and the moving mean and variance after the call (unchanged unless training a trainable layer)."""
        layout, layer, work = self.layout(case), case.layer, case.compute_dtype.type
        x = case.x.astype(work)
        gamma = layout.weight(case.inputs["gamma"], work) if layer.scale else 1
        beta = layout.weight(case.inputs["beta"], work) if layer.center else 0
        moving_mean = layout.weight(case.inputs["moving_mean"], work)
        moving_variance = layout.weight(case.inputs["moving_variance"], work)
        if case.training and layer.trainable:
            mean, variance = self.batch_statistics(x, layout, case.mask, work)
            momentum = work(layer.momentum)
            new_mean, new_variance = self.moving_update(moving_mean, moving_variance, mean, variance, momentum, layout)
        else:  # inference, or frozen (trainable=false with training=true): the moving statistics, untouched
            mean, variance = moving_mean, moving_variance
            new_mean, new_variance = moving_mean, moving_variance
        y = self.normalize(x, mean, variance, gamma, beta, work(layer.epsilon), layout)
        return {"y": y, "moving_mean": layout.output(new_mean), "moving_variance": layout.output(new_variance)}

    def backward(self, case):
        """Gradients of sum(dy * y): dx, dgamma only with scale, dbeta only with center."""
        layout, layer, work = self.layout(case), case.layer, case.compute_dtype.type
        x, g = case.x.astype(work), case.dy.astype(work)
        gamma = layout.weight(case.inputs["gamma"], work) if layer.scale else 1
        batch = case.training and layer.trainable
        if batch:
            mean, variance = self.batch_statistics(x, layout, None, work)
        else:
            mean = layout.weight(case.inputs["moving_mean"], work)
            variance = layout.weight(case.inputs["moving_variance"], work)
        deviation = self.deviation(variance, work(layer.epsilon))
        normalized = (x - mean) / deviation
        dbeta = g.sum(axis=layout.reduced, keepdims=True)
        dgamma = (g * normalized).sum(axis=layout.reduced, keepdims=True)
        if batch:  # the batch statistics depend on x too
            dx = gamma / deviation * (g - dbeta / layout.count - normalized * (dgamma / layout.count))
        else:
            dx = gamma / deviation * g
        outputs = {"dx": dx}
        if layer.scale:
            outputs["dgamma"] = layout.output(dgamma)
        if layer.center:
            outputs["dbeta"] = layout.output(dbeta)
        return outputs


if __name__ == "__main__":
    bnaxis.serve(NumPyBatchNorm())
