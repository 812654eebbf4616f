#!/usr/bin/env python3
"""BatchNormAxis harness for PyTorch (Debian's python3-torch, 1.13) through torch.nn.functional.batch_norm.

It runs PyTorch's own batch norm and reports what PyTorch computes, right or wrong: the suite grades and
diagnoses. PyTorch normalizes per channel = dim 1, so an adapter maps the Keras keep-set onto that layout
(docs/porting.md, "Layout"): the input is permuted to (reduced axes..., kept axes...), reshaped to
(prod reduced, prod kept, 1), normalized, reshaped back and permuted back; the running statistics are the flat
(prod kept,) vectors, i.e. the compact parameter shape flattened. The momentum is converted (PyTorch weighs the
new batch statistic: momentum_torch = 1 - momentum_keras). The protocol is the bnaxis_harness package's
(conformance/python), which also carries a sequence's running statistics from call to call in the case dtype, as
PyTorch's own buffers hold them.

The adapter maps layouts only. It never corrects a PyTorch convention: PyTorch's unbiased running variance,
its refusal of one value per channel in training, and its lack of a `trainable` flag (a frozen layer in training
mode still uses and updates batch statistics) all reach the suite as they are. Known differences are listed, with
reasons, in expectations-pytorch-profile.json next to this file.

    apt-get install --no-install-recommends python3-torch python3-numpy
    bnaxis run --harness "/usr/bin/python3 conformance/harnesses/pytorch/harness.py" \\
        --expectations conformance/harnesses/pytorch/expectations-pytorch-profile.json
    pytest --bnaxis-impl conformance/harnesses/pytorch/harness.py:TorchBatchNorm \\
        --bnaxis-expectations conformance/harnesses/pytorch/expectations-pytorch-profile.json

Set BNAXIS_TORCH_OP=aten to call the ATen op torch.batch_norm instead of torch.nn.functional.batch_norm (the same
kernel without F.batch_norm's Python-side check that refuses one value per channel in training).
"""

import os
import sys

# From a clone, without `pip install ./conformance/python`: the package next door.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as error:  # one clear line instead of a traceback; the runner reports the harness unusable
    sys.stderr.write(f"pytorch harness: {error}; install Debian's python3-torch and python3-numpy "
                     "(apt-get install --no-install-recommends python3-torch python3-numpy) and run /usr/bin/python3\n")
    sys.exit(3)

import bnaxis_harness as bnaxis  # noqa: E402

torch.set_num_threads(1)  # deterministic summation order, and polite on a shared machine
OP = os.environ.get("BNAXIS_TORCH_OP", "functional")
if OP not in ("functional", "aten"):
    sys.stderr.write(f"pytorch harness: BNAXIS_TORCH_OP={OP!r}; expected 'functional' or 'aten'\n")
    sys.exit(2)

TORCH = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}


# --- The adapter: a Keras keep-set onto PyTorch's channel dim 1 -------------------------------------------------

class Layout:
    """Permutation R + K and the (prod R, prod K, 1) view PyTorch normalizes."""

    def __init__(self, shape, kept):
        self.shape = list(shape)
        self.kept = kept
        self.reduced = [a for a in range(len(shape)) if a not in kept]
        self.perm = self.reduced + kept
        self.inverse = [self.perm.index(a) for a in range(len(shape))]
        self.channels = int(np.prod([shape[a] for a in kept], dtype=np.int64))
        self.compact = [shape[a] for a in kept]
        self.broadcast = [shape[a] if a in kept else 1 for a in range(len(shape))]

    def to_torch(self, x):
        return x.permute(self.perm).reshape(-1, self.channels, 1)

    def from_torch(self, y):
        return y.reshape([self.shape[a] for a in self.perm]).permute(self.inverse)

    def flat_parameter(self, tensor):
        """Compact (kept dims) or broadcast (full rank) weights are the same C values: flatten them. Any other
        shape goes to PyTorch as it is, for PyTorch to accept or refuse."""
        if list(tensor.shape) in (self.compact, self.broadcast):
            return tensor.reshape(self.channels)
        return tensor


def batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps):
    if OP == "aten":
        return torch.batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps, False)
    return F.batch_norm(x, running_mean, running_var, weight=weight, bias=bias, training=training,
                        momentum=momentum, eps=eps)


def kernel_works(dtype):
    """Whether this build has CPU batch-norm kernels (forward, training) for dtype."""
    try:
        with torch.no_grad():
            x = torch.ones(2, 2, 1, dtype=dtype)
            batch_norm(x, torch.zeros(2, dtype=dtype), torch.ones(2, dtype=dtype), None, None, True, 0.1, 1e-3)
        return True
    except RuntimeError:
        return False


def to_torch(array, dtype):
    return torch.from_numpy(np.array(array)).to(TORCH[dtype])  # bfloat16 arrives as float32 holding its values


def to_numpy(tensor):
    tensor = tensor.detach()
    return (tensor.to(torch.float32) if tensor.dtype == torch.bfloat16 else tensor).contiguous().numpy()


class TorchBatchNorm(bnaxis.Implementation):
    name = "pytorch-functional" if OP == "functional" else "pytorch-aten"
    version = torch.__version__
    # No "mask": PyTorch's batch norm has no mask argument.
    features = ("training", "inference", "frozen", "backward", "sequence", "list_axis", "multi_axis", "errors")

    def __init__(self):
        super().__init__()
        self.dtypes = ("float32", "float64") + tuple(d for d in ("float16", "bfloat16") if kernel_works(TORCH[d]))

    def call(self, case, x):
        """One PyTorch batch-norm call through the adapter: y in the input's layout, and the running statistics.
        PyTorch has no axis argument, so the axis rejections are the adapter's own (the package's checks)."""
        layout = Layout(case.shape, bnaxis.kept_axes(case.shape, case.axis))
        params = {name: layout.flat_parameter(to_torch(case.inputs[name], case.dtype)).clone()
                  for name in ("gamma", "beta", "moving_mean", "moving_variance") if name in case.inputs}
        if case.kind == "backward":
            for name in ("gamma", "beta"):
                if name in params:
                    params[name].requires_grad_(True)
        try:
            y = batch_norm(layout.to_torch(x), params["moving_mean"], params["moving_variance"], params.get("gamma"),
                           params.get("beta"), case.training, 1.0 - case.layer.momentum, case.layer.epsilon)
        except RuntimeError as error:  # PyTorch's own refusal of mis-shaped weights: "weight should contain 2 elements not 3"
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "should contain" in first:
                raise bnaxis.Rejection("parameter_shape_mismatch", f"torch: {first}") from None
            raise
        return layout, layout.from_torch(y), params

    def forward(self, case):
        with torch.no_grad():
            layout, y, params = self.call(case, to_torch(case.x, case.dtype))
        return {"y": to_numpy(y), **{name: to_numpy(params[name].reshape(layout.compact)) for name in ("moving_mean", "moving_variance")}}

    def backward(self, case):
        x = to_torch(case.x, case.dtype).requires_grad_(True)
        layout, y, params = self.call(case, x)
        (y * to_torch(case.dy, case.dtype)).sum().backward()
        outputs = {"dx": to_numpy(x.grad)}
        for name, gradient in (("gamma", "dgamma"), ("beta", "dbeta")):
            if name in params:
                outputs[gradient] = to_numpy(params[name].grad.reshape(layout.compact))
        return outputs


if __name__ == "__main__":
    bnaxis.serve(TorchBatchNorm())
