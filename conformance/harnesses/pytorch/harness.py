#!/usr/bin/env python3
"""BatchNormAxis harness for PyTorch (Debian's python3-torch, 1.13) through torch.nn.functional.batch_norm.

It runs PyTorch's own batch norm and reports what PyTorch computes, right or wrong: the suite grades and
diagnoses. PyTorch normalizes per channel = dim 1, so an adapter maps the Keras keep-set onto that layout
(docs/porting.md, "Layout"): the input is permuted to (reduced axes..., kept axes...), reshaped to
(prod reduced, prod kept, 1), normalized, reshaped back and permuted back; the running statistics are the flat
(prod kept,) vectors, i.e. the compact parameter shape flattened. The momentum is converted (PyTorch weighs the
new batch statistic: momentum_torch = 1 - momentum_keras).

The adapter maps layouts only. It never corrects a PyTorch convention: PyTorch's unbiased running variance,
its refusal of one value per channel in training, and its lack of a `trainable` flag (a frozen layer in training
mode still uses and updates batch statistics) all reach the suite as they are. Known differences are listed, with
reasons, in expectations-pytorch-profile.json next to this file.

    apt-get install --no-install-recommends python3-torch python3-numpy
    bnaxis run --harness "/usr/bin/python3 conformance/harnesses/pytorch/harness.py" \
        --expectations conformance/harnesses/pytorch/expectations-pytorch-profile.json

Set BNAXIS_TORCH_OP=aten to call the ATen op torch.batch_norm instead of torch.nn.functional.batch_norm (the same
kernel without F.batch_norm's Python-side check that refuses one value per channel in training).
"""

import base64
import json
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as error:  # one clear line instead of a traceback; the runner reports the harness unusable
    sys.stderr.write(f"pytorch harness: {error}; install Debian's python3-torch and python3-numpy "
                     "(apt-get install --no-install-recommends python3-torch python3-numpy) and run /usr/bin/python3\n")
    sys.exit(3)

torch.set_num_threads(1)  # deterministic summation order, and polite on a shared machine
OP = os.environ.get("BNAXIS_TORCH_OP", "functional")
if OP not in ("functional", "aten"):
    sys.stderr.write(f"pytorch harness: BNAXIS_TORCH_OP={OP!r}; expected 'functional' or 'aten'\n")
    sys.exit(2)

# Protocol dtype -> (NumPy dtype for the bytes, torch dtype). float16/bfloat16 are offered only if the CPU kernels
# exist in this build (probed at start).
WIRE = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
TORCH = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}


class Rejection(Exception):
    def __init__(self, category, message):
        super().__init__(message)
        self.category = category


# --- The adapter: a Keras keep-set onto PyTorch's channel dim 1 -------------------------------------------------

def kept_axes(shape, axis):
    """Resolves the Keras axis (an int, or tf.keras' list) to the sorted kept axes. PyTorch has no axis argument,
    so these rejections are the adapter's own, not PyTorch's."""
    rank = len(shape)
    if rank == 0:
        raise Rejection("rank_zero", "adapter: input shape () has rank 0; batch norm needs at least one axis")
    spelled = axis if isinstance(axis, list) else [axis]
    if not spelled:
        raise Rejection("empty_axis_list", f"adapter: axis={axis} keeps no axis")
    resolved = [a + rank if a < 0 else a for a in spelled]
    for given, a in zip(spelled, resolved):
        if not 0 <= a < rank:
            raise Rejection("axis_out_of_range", f"adapter: axis {given} is out of range for rank {rank}")
    if len(set(resolved)) != len(resolved):
        raise Rejection("duplicate_axis", f"adapter: axis={axis} resolves to {resolved}")
    return sorted(resolved)


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
        permuted = x.permute(self.perm)
        return permuted.reshape(-1, self.channels, 1)

    def from_torch(self, y):
        permuted_shape = [self.shape[a] for a in self.perm]
        return y.reshape(permuted_shape).permute(self.inverse)

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


def call(layout, layer, training, x, params):
    """One PyTorch batch-norm call through the adapter; updates params' running statistics in place."""
    xt = layout.to_torch(x)
    y = batch_norm(xt, params["moving_mean"], params["moving_variance"], params.get("gamma"), params.get("beta"),
                   training, 1.0 - layer["momentum"], layer["epsilon"])
    return layout.from_torch(y)


# --- The protocol ----------------------------------------------------------------------------------------------

def read_tensor(tensor):
    raw = base64.b64decode(tensor["data"])
    if tensor["dtype"] == "bool":
        return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).astype(bool).reshape(tensor["shape"]))
    if tensor["dtype"] == "bfloat16":  # the upper 16 bits of a float32
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        wide = torch.from_numpy(bits.view(np.float32).reshape(tensor["shape"]).copy())
        return wide.to(torch.bfloat16)
    array = np.frombuffer(raw, dtype=np.dtype(WIRE[tensor["dtype"]]).newbyteorder("<"))
    return torch.from_numpy(array.astype(WIRE[tensor["dtype"]]).reshape(tensor["shape"]))


def write_tensor(tensor, dtype):
    tensor = tensor.detach().contiguous()
    if dtype == "bfloat16":
        bits = tensor.to(torch.float32).numpy().view(np.uint32) >> 16
        data = bits.astype("<u2").tobytes()
    else:
        data = np.ascontiguousarray(tensor.numpy(), dtype=np.dtype(WIRE[dtype]).newbyteorder("<")).tobytes()
    return {"dtype": dtype, "shape": list(tensor.shape), "data": base64.b64encode(data).decode("ascii")}


def parameters(case, layout):
    inputs = case["inputs"]
    dtype = TORCH[case["dtype"]]
    params = {}
    for name in ("gamma", "beta", "moving_mean", "moving_variance"):
        if name in inputs:
            params[name] = layout.flat_parameter(read_tensor(inputs[name]).to(dtype)).clone()
    return params


def statistics(layout, params, dtype):
    return {name: write_tensor(params[name].reshape(layout.compact), dtype) for name in ("moving_mean", "moving_variance")}


def run(case):
    dtype = case["dtype"]
    layer = case["layer"]
    if case["kind"] == "sequence":
        layout = Layout(case["shape"], kept_axes(case["shape"], case["axis"]))
        params = parameters(case, layout)
        steps = []
        for step in case["steps"]:
            y = call(layout, layer, step["training"], read_tensor(step["x"]).to(TORCH[dtype]), params)
            steps.append({"y": write_tensor(y, dtype), **statistics(layout, params, dtype)})
        return {"steps": steps}

    x = read_tensor(case["inputs"]["x"]).to(TORCH[dtype])
    layout = Layout(list(x.shape), kept_axes(list(x.shape), case["axis"]))
    params = parameters(case, layout)
    if case["kind"] == "backward":
        x.requires_grad_(True)
        for name in ("gamma", "beta"):
            if name in params:
                params[name].requires_grad_(True)
        y = call(layout, layer, case["training"], x, params)
        dy = read_tensor(case["inputs"]["dy"]).to(TORCH[dtype])
        (y * dy).sum().backward()
        outputs = {"dx": write_tensor(x.grad, dtype)}
        if "gamma" in params:
            outputs["dgamma"] = write_tensor(params["gamma"].grad.reshape(layout.compact), dtype)
        if "beta" in params:
            outputs["dbeta"] = write_tensor(params["beta"].grad.reshape(layout.compact), dtype)
        return {"outputs": outputs}

    with torch.no_grad():
        y = call(layout, layer, case["training"], x, params)
    return {"outputs": {"y": write_tensor(y, dtype), **statistics(layout, params, dtype)}}


def rejection_of(error):
    """PyTorch's own refusals of mis-shaped weights, mapped to the protocol's category; None for anything else."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, RuntimeError) and "should contain" in message:  # "weight should contain 2 elements not 3"
        return {"category": "parameter_shape_mismatch", "message": f"torch: {message}"}
    return None


def kernel_works(dtype):
    """Whether this build has CPU batch-norm kernels (forward, training) for dtype."""
    try:
        with torch.no_grad():
            x = torch.ones(2, 2, 1, dtype=dtype)
            batch_norm(x, torch.zeros(2, dtype=dtype), torch.ones(2, dtype=dtype), None, None, True, 0.1, 1e-3)
        return True
    except RuntimeError:
        return False


def main():
    dtypes = ["float32", "float64"] + [d for d in ("float16", "bfloat16") if kernel_works(TORCH[d])]
    for line in sys.stdin:
        message = json.loads(line)
        if message["cmd"] == "start":
            name = "pytorch-functional" if OP == "functional" else "pytorch-aten"
            reply = {
                "protocol": 1,
                "implementation": {"name": name, "version": torch.__version__, "language": "Python",
                                   "homepage": "https://pytorch.org/docs/1.13/generated/torch.nn.functional.batch_norm.html"},
                "capabilities": {
                    "dtypes": sorted(dtypes),
                    "ranks": [1, 2, 3, 4, 5, 6],
                    # No "mask": PyTorch's batch norm has no mask argument.
                    "features": ["training", "inference", "frozen", "backward", "sequence", "list_axis", "multi_axis", "errors"],
                },
            }
        elif message["cmd"] == "run":
            try:
                reply = run(message["case"])
            except Rejection as rejection:
                reply = {"rejected": {"category": rejection.category, "message": str(rejection)}}
            except Exception as error:  # PyTorch's own exception: a refusal we can classify, else an error
                rejection = rejection_of(error)
                first = str(error).splitlines()[0] if str(error) else ""
                reply = {"rejected": rejection} if rejection else {"errored": {"message": f"torch: {type(error).__name__}: {first}"}}
            reply["seq"] = message["seq"]
        else:
            return
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
