"""One-mistake implementations: the template harness's NumPyBatchNorm with one known-wrong convention each, for
the tests that check the pytest plugin agrees with `bnaxis run` and names the mistake. Each class overrides one
method of the template (conformance/harnesses/python/harness.py)."""

import importlib.util
import os

import numpy as np

_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harnesses", "python", "harness.py")
_spec = importlib.util.spec_from_file_location("bnaxis_template_harness", _TEMPLATE)
template = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(template)


class UnbiasedMovingVariance(template.NumPyBatchNorm):
    """PyTorch's running variance: the batch variance times n/(n-1) feeds the moving variance."""

    name = "mistake-unbiased-moving-variance"

    def moving_update(self, moving_mean, moving_variance, mean, variance, momentum, layout):
        with np.errstate(divide="ignore", invalid="ignore"):
            unbiased = variance * (np.float64(layout.count) / np.float64(layout.count - 1))  # n = 1: 0/0, NaN
        return super().moving_update(moving_mean, moving_variance, mean, unbiased, momentum, layout)


class EpsilonOutsideRoot(template.NumPyBatchNorm):
    """sqrt(var) + eps instead of sqrt(var + eps)."""

    name = "mistake-epsilon-outside-root"

    def deviation(self, variance, epsilon):
        return np.sqrt(variance) + epsilon


class PyTorchMomentum(template.NumPyBatchNorm):
    """moving = (1 - momentum) * moving + momentum * batch: PyTorch's meaning of momentum with Keras' value."""

    name = "mistake-pytorch-momentum"

    def moving_update(self, moving_mean, moving_variance, mean, variance, momentum, layout):
        return super().moving_update(moving_mean, moving_variance, mean, variance, 1 - momentum, layout)


class ChannelAsLastAxis(template.NumPyBatchNorm):
    """The statistics per channel are right, but y reads them and gamma and beta by flat index modulo C, as if the
    channel were the last axis (TF.js' CPU kernel, tensorflow/tfjs#1106)."""

    name = "mistake-channel-as-last-axis"

    def normalize(self, x, mean, variance, gamma, beta, epsilon, layout):
        channels = int(np.prod(layout.compact))
        cyclic = np.arange(x.size) % channels

        def by_flat_index(parameter):  # a broadcast-shaped parameter flattens to the compact order
            return parameter if np.ndim(parameter) == 0 else np.reshape(parameter, -1)[cyclic].reshape(x.shape)

        return super().normalize(x, by_flat_index(mean), by_flat_index(variance), by_flat_index(gamma),
                                 by_flat_index(beta), epsilon, layout)


ALL = {"UnbiasedMovingVariance": "unbiased_moving_variance", "EpsilonOutsideRoot": "epsilon_outside_root",
       "PyTorchMomentum": "pytorch_momentum", "ChannelAsLastAxis": "channel_as_last_axis"}
