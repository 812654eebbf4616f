"""The libtorch side of the peer benchmark (scripts/compat/bench-peers.sh): Debian's PyTorch 1.13 on the four
layouts, in three modes, on one thread count; one JSON line per cell on stdout (first a "meta" line), progress on
stderr.

    /usr/bin/python3 scripts/compat/bench_torch.py --threads N [--calls N] [--warmup-calls N] [--warmup-seconds S]

Each layout is handed to torch as a zero-copy view with the kept axes at dim 1, torch's channel dimension:
axis=-1 of NHWC (32, 56, 56, 64) as x.permute(0, 3, 1, 2) (channels_last memory format), axis=1 of NCHW
(32, 64, 56, 56) as it is, axis=[1, 2, 3] as x.reshape(32, -1) and axis=0 as x.reshape(32, -1).t(), (200704, 32)
with strides (1, 200704). What is timed, each call on its own with time.perf_counter:
  training   F.batch_norm(view, running_mean, running_var, gamma, beta, training=True, momentum=0.01, eps=1e-3)
             (torch's momentum 0.01 is Keras' 0.99; the running statistics are updated in place)
  inference  the same with training=False
  backward   torch.ops.aten.native_batch_norm_backward(dy, view, gamma, running_mean, running_var, save_mean,
             save_invstd, True, 1e-3, [True, True, True]): dx, dgamma and dbeta, the op autograd runs for
             F.batch_norm's backward (NativeBatchNormBackward0), with the mean and 1/std the forward saved (computed
             once, not timed). Checked at start against torch.autograd.grad: the same dx.
Data: x fixed random in [-1, 1], dy = x reversed, gamma 1, beta 0, moving mean 0, variance 1 (Keras' defaults).
Defaults: 30 timed calls per cell after at least 30 warm-up calls and 0.5 s.
Exit codes: 0 done, 1 the timed backward op disagrees with autograd, 2 invalid command line, 3 torch does not import.
"""

import argparse
import json
import statistics
import sys
import time

MOMENTUM = 0.01  # torch's momentum weighs the batch: Keras' momentum 0.99
EPSILON = 1e-3

# axis as bnaxis spells it -> (memory shape, the view with the kept axes at dim 1)
LAYOUTS = {
    "-1": ((32, 56, 56, 64), lambda t: t.permute(0, 3, 1, 2)),
    "1": ((32, 64, 56, 56), lambda t: t),
    "1,2,3": ((32, 56, 56, 64), lambda t: t.reshape(32, -1)),
    "0": ((32, 56, 56, 64), lambda t: t.reshape(32, -1).t()),
}


def parse_args():
    class Parser(argparse.ArgumentParser):
        def error(self, message):  # one line and exit code 2, not argparse's usage block
            print(f"bench_torch: {message}", file=sys.stderr)
            sys.exit(2)

    parser = Parser(description="Times libtorch's batch_norm on the peer benchmark's layouts.")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--warmup-calls", type=int, default=30)
    parser.add_argument("--warmup-seconds", type=float, default=0.5)
    args = parser.parse_args()
    for name, value, low, high in (("--threads", args.threads, 1, 256), ("--calls", args.calls, 1, 100000),
                                   ("--warmup-calls", args.warmup_calls, 0, 100000),
                                   ("--warmup-seconds", args.warmup_seconds, 0, 60)):
        if not low <= value <= high:
            parser.error(f"{name} {value} is out of range (expected {low} to {high})")
    return args


def time_cell(call, args, warmup_seconds):
    """Warm-up calls (at least --warmup-calls and warmup_seconds), then the median of --calls timed calls, in ms."""
    start = time.perf_counter()
    warmup_calls = 0
    while warmup_calls < args.warmup_calls or time.perf_counter() - start < warmup_seconds:
        call()
        warmup_calls += 1
    times = []
    for _ in range(args.calls):
        begin = time.perf_counter()
        call()
        times.append((time.perf_counter() - begin) * 1e3)
    return statistics.median(times), warmup_calls


def cells(torch, functional):
    """(axis, mode, call) for every cell, each layout's tensors made when its first cell is due."""
    generator = torch.Generator().manual_seed(20261124)
    for axis, (shape, view) in LAYOUTS.items():
        flat = torch.rand(torch.Size(shape).numel(), generator=generator) * 2 - 1
        x = view(flat.reshape(shape))
        dy = view(flat.flip(0).reshape(shape))
        channels = x.shape[1]
        gamma, beta = torch.ones(channels), torch.zeros(channels)
        running_mean, running_var = torch.zeros(channels), torch.ones(channels)
        yield axis, "training", lambda: functional.batch_norm(
            x, running_mean, running_var, gamma, beta, True, MOMENTUM, EPSILON)
        yield axis, "inference", lambda: functional.batch_norm(
            x, running_mean, running_var, gamma, beta, False, MOMENTUM, EPSILON)
        _, save_mean, save_invstd = torch.ops.aten.native_batch_norm(
            x, gamma, beta, running_mean.clone(), running_var.clone(), True, MOMENTUM, EPSILON)
        backward = lambda: torch.ops.aten.native_batch_norm_backward(  # noqa: E731  (the call the timer repeats)
            dy, x, gamma, running_mean, running_var, save_mean, save_invstd, True, EPSILON, [True, True, True])
        check_backward(torch, functional, axis, x, dy, backward()[0])
        yield axis, "backward", backward


def check_backward(torch, functional, axis, x, dy, dx):
    """The timed op must be what autograd computes for F.batch_norm's training forward."""
    leaf = x.detach().requires_grad_(True)
    channels = x.shape[1]
    with torch.enable_grad():
        y = functional.batch_norm(leaf, torch.zeros(channels), torch.ones(channels), torch.ones(channels),
                                  torch.zeros(channels), True, MOMENTUM, EPSILON)
        (expected,) = torch.autograd.grad(y, leaf, dy)
    if not torch.equal(dx, expected):
        difference = (dx - expected).abs().max().item()
        print(f"bench_torch: axis={axis}: native_batch_norm_backward's dx differs from autograd's by up to "
              f"{difference:g} (torch {torch.__version__})", file=sys.stderr)
        sys.exit(1)


def main():
    args = parse_args()
    try:
        import torch
        import torch.nn.functional as functional
    except ImportError as error:
        print(f"bench_torch: PyTorch does not import ({error}); install Debian's: apt-get install python3-torch",
              file=sys.stderr)
        return 3
    torch.set_num_threads(args.threads)
    meta = {"torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    print(json.dumps({"tool": "torch", "threads": args.threads, "meta": meta}), flush=True)
    with torch.no_grad():
        # The first cell warms up four times as long, as PeerBench's does (whose JIT needs it): the same rule for every tool.
        for index, (axis, mode, call) in enumerate(cells(torch, functional)):
            ms, warmup_calls = time_cell(call, args, args.warmup_seconds * (4 if index == 0 else 1))
            print(json.dumps({"tool": "torch", "threads": args.threads, "axis": axis, "mode": mode,
                              "ms": round(ms, 4), "calls": args.calls, "warmup_calls": warmup_calls}), flush=True)
            print(f"    torch, {args.threads} thread(s): axis={axis} {mode} {ms:.2f} ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
