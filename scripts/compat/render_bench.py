"""Renders the peer benchmark's results (scripts/compat/bench-peers.sh) as Markdown: the machine, the bandwidth probe
and its rooflines, and per thread count a table of fast, ONNX Runtime and libtorch for the four layouts and three
modes, with where fast is not ahead of both peers. Prints it; with --write, also puts it into a Markdown file between
the markers <!-- bench-peers:begin --> and <!-- bench-peers:end -->, replacing only what is between them.

    /usr/bin/python3 scripts/compat/render_bench.py --command CMD --started "YYYY-MM-DD HH:MM" [--smoke]
        [--write docs/performance.md] ROUND.jsonl...

Each ROUND.jsonl holds one round: the JSON lines of the probe, PeerBench (fast, ort) and bench_torch.py. A cell's
value is the median over the rounds. Fast's "of roofline" is the median over the rounds of its roofline divided by its
time, the roofline from the probe paired with the cell (PeerBench --probe: measured right before and right after its
timed calls, the two averaged) when every round has one, else from the probes at the rounds' starts (their median);
with paired probes, where fast stands against the latter is given below each table too. Python standard library only. Exit codes: 0 done, 1 a result file is missing
or unreadable, or the file to write has no markers, 2 invalid command line.
"""

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import sys

BEGIN, END = "<!-- bench-peers:begin -->", "<!-- bench-peers:end -->"
X_BYTES = 32 * 56 * 56 * 64 * 4  # float32 x of every layout: 25.7 MB
LAYOUTS = [("-1", "`axis=-1` (NHWC)"), ("1", "`axis=1` (NCHW)"), ("1,2,3", "`axis=[1, 2, 3]`"), ("0", "`axis=0`")]
MODES = [("training", "training"), ("inference", "inference"), ("backward", "backward")]
PEERS = [("ort", "ONNX Runtime"), ("torch", "libtorch")]
TARGET = 0.85  # issue 16: at least 0.85 of the roofline on one thread


def fail(message, code=1):
    print(f"render_bench: {message}", file=sys.stderr)
    sys.exit(code)


def parse_args():
    class Parser(argparse.ArgumentParser):
        def error(self, message):
            fail(message, 2)

    parser = Parser(description="Renders the peer benchmark's table.")
    parser.add_argument("--command", required=True, help="the command line the table states")
    parser.add_argument("--started", required=True, help="when the run started, UTC, YYYY-MM-DD HH:MM")
    parser.add_argument("--smoke", action="store_true", help="label the table a smoke run (--quick), not a measurement")
    parser.add_argument("--write", metavar="FILE", help="the Markdown file whose marked block to replace")
    parser.add_argument("rounds", nargs="+", metavar="ROUND.jsonl")
    return parser.parse_args()


def read_rounds(paths):
    """{(tool, threads, axis, mode): [ms per round]}, {threads: {"read_ms": [...], "copy_ms": [...]}}, {key: value} of
    the meta lines, and {(threads, axis, mode): [(ms, paired probe or None) per round]} of fast's cells."""
    cells, probes, meta, paired = {}, {}, {"calls": set()}, {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as file:
                lines = [json.loads(line) for line in file if line.strip()]
        except (OSError, ValueError) as error:
            fail(f"cannot read the results {path}: {error}")
        for line in lines:
            if "meta" in line:
                meta.update(line["meta"])
            elif line.get("tool") == "probe":
                probe = probes.setdefault(line["threads"], {"read_ms": [], "copy_ms": [], "buffer_bytes": line["buffer_bytes"]})
                probe["read_ms"].append(line["read_ms"])
                probe["copy_ms"].append(line["copy_ms"])
            else:
                cells.setdefault((line["tool"], line["threads"], line["axis"], line["mode"]), []).append(line["ms"])
                meta["calls"].add(line["calls"])
                if line["tool"] == "fast":
                    paired.setdefault((line["threads"], line["axis"], line["mode"]), []).append((line["ms"], paired_probe(line, path)))
    return cells, probes, meta, paired


def paired_probe(line, path):
    """A fast cell's paired probe as a probe of one measurement (the mean of before and after), or None."""
    probe = line.get("probe")
    if probe is None:
        return None
    try:
        read, copy, size = probe["read_ms"], probe["copy_ms"], probe["buffer_bytes"]
        if len(read) != 2 or len(copy) != 2 or min(read + copy + [size]) <= 0:
            raise ValueError
        return {"read_ms": [sum(read) / 2], "copy_ms": [sum(copy) / 2], "buffer_bytes": size}
    except (KeyError, TypeError, ValueError):
        fail(f"{path}: the probe of fast's cell axis={line['axis']} {line['mode']} is not two positive read_ms, two copy_ms and a buffer_bytes")


def rooflines(probe):
    """The three rooflines for x from the probe's medians: training = copy + read, inference = copy, backward = copy + 3 reads."""
    scale = X_BYTES / probe["buffer_bytes"]
    read = statistics.median(probe["read_ms"]) * scale
    copy = statistics.median(probe["copy_ms"]) * scale
    return {"training": copy + read, "inference": copy, "backward": copy + 3 * read}


def machine():
    """The processor as lscpu names it, with what changes the numbers: family and model (the machine kind is not
    one CPU), L2 size and whether AVX-512 is there; then cores and architecture."""
    fields = {}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    model = fields.get("Model name") or "unknown processor"
    details = []
    if fields.get("CPU family") and fields.get("Model"):
        details.append(f"family {fields['CPU family']} model {fields['Model']}")
    if fields.get("L2 cache"):
        details.append(f"L2 {fields['L2 cache']}")
    if fields.get("Flags"):
        details.append("AVX-512" if "avx512f" in fields["Flags"].split() else "no AVX-512")
    if details:
        model += f" ({', '.join(details)})"
    try:
        cores = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        cores = "?"
    return f"{model}, {cores} cores, {platform.machine()}"


def ms(value):
    return "?" if value is None else f"{value:.2f}"


def percent(share):
    return "?" if share is None else f"{share * 100:.0f} %"


def shares(threads, axis, mode, paired, round_roofline, use_paired):
    """The median over the rounds of fast's roofline / time, the roofline from each round's paired probe or from the
    median of the rounds' probes; None without data."""
    rounds = paired.get((threads, axis, mode))
    if not rounds:
        return None
    if use_paired:
        return statistics.median(rooflines(probe)[mode] / ms for ms, probe in rounds)
    return statistics.median(round_roofline[mode] / ms for ms, _ in rounds)


def thread_table(threads, cells, roofline, paired):
    """The Markdown table of one thread count, and the lines saying where fast is behind or below the target."""
    def median(tool, axis, mode):
        values = cells.get((tool, threads, axis, mode))
        return statistics.median(values) if values else None

    use_paired = any(rounds for key, rounds in paired.items() if key[0] == threads) and all(
        probe is not None for key, rounds in paired.items() if key[0] == threads for _, probe in rounds)

    header = ["layout"]
    for _, mode_name in MODES:
        header += [f"{mode_name}: fast", "of roofline", "ONNX Runtime", "libtorch"]
    header.append("fast not ahead of")
    rows, behind, below, below_other = [], [], [], []
    for axis, label in LAYOUTS:
        row, row_behind = [label], []
        for mode, mode_name in MODES:
            fast = median("fast", axis, mode)
            share = shares(threads, axis, mode, paired, roofline, use_paired)
            other = shares(threads, axis, mode, paired, roofline, False) if use_paired else None
            row += [ms(fast), percent(share)]
            if share is not None and share < TARGET:
                below.append(f"{label} {mode_name} ({percent(share)})")
            if other is not None and other < TARGET:
                below_other.append(f"{label} {mode_name} ({percent(other)})")
            for peer, peer_name in PEERS:
                if peer == "ort" and mode == "backward":
                    row.append("–")
                    continue
                value = median(peer, axis, mode)
                if value is not None and (fast is None or value <= fast):
                    row.append(f"**{ms(value)}**")
                    row_behind.append(f"{peer_name} {mode_name}")
                    behind.append(f"{label} {mode_name}: {peer_name} {ms(value)} ms, fast {ms(fast)} ms")
                else:
                    row.append(ms(value))
        row.append(", ".join(row_behind) if row_behind else "—")
        rows.append(row)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    total = len(LAYOUTS) * (len(MODES) * len(PEERS) - 1)
    if behind:
        lines.append(f"Fast is **not ahead** in {len(behind)} of {total} comparisons: " + "; ".join(behind) + ".")
    else:
        lines.append(f"Fast is ahead of both peers in all {total} comparisons.")
    against = "the probe paired with each cell" if use_paired else "the probes at the rounds' starts"
    if below:
        lines.append(f"Below {percent(TARGET)} of the roofline (against {against}): " + "; ".join(below) + ".")
    else:
        lines.append(f"Every fast cell is at {percent(TARGET)} of its roofline or above (against {against}).")
    if use_paired:
        lines.append("Against the probes at the rounds' starts instead: " + (
            f"below {percent(TARGET)}: " + "; ".join(below_other) + "." if below_other else f"every fast cell at {percent(TARGET)} or above."))
    return lines


def render(args, cells, probes, meta, paired):
    ended = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M")
    rounds = len(args.rounds)
    calls = "/".join(str(c) for c in sorted(meta["calls"]))
    lines = [f"Command: `{args.command}`, {args.started} to {ended} UTC: {rounds} interleaved round(s); a cell is the "
             f"median over the rounds of the median of {calls} timed calls."]
    if args.smoke:
        lines.append("")
        lines.append("> **Smoke run** (`--quick`: one round, few calls per cell, maybe on a busy machine): it shows that the "
                     "benchmark runs, not how fast anything is. A real run replaces it.")
    lines += [
        "",
        f"Machine: {machine()}; .NET {meta.get('dotnet', '?')} (`Vector<T>` {meta.get('vector_bits', '?')} bits); "
        f"ONNX Runtime {meta.get('onnxruntime', '?')}; PyTorch {meta.get('torch', '?')}.",
        "",
        "| threads | probe: read 400 MB | copy 400 MB | roofline: training | inference | backward |",
        "|---|---|---|---|---|---|",
    ]
    for threads in sorted(probes):
        probe, roof = probes[threads], rooflines(probes[threads])
        lines.append(f"| {threads} | {statistics.median(probe['read_ms']):.1f} ms | {statistics.median(probe['copy_ms']):.1f} ms | "
                     f"{roof['training']:.2f} ms | {roof['inference']:.2f} ms | {roof['backward']:.2f} ms |")
    thread_counts = sorted({key[1] for key in cells})
    for threads in thread_counts:
        if threads not in probes:
            fail(f"no probe result for {threads} thread(s)")
        lines += ["", f"**{threads} thread{'s' if threads > 1 else ''}** (ms; of roofline = the median over the rounds of "
                      "roofline / fast time; **bold**: a peer at least as fast as fast)", ""]
        lines += thread_table(threads, cells, rooflines(probes[threads]), paired)
    graphs = meta.get("graphs", {})
    if graphs:
        lines += ["", "ONNX Runtime's graph per layout: " + "; ".join(
            f"{label}: {graphs[axis]}" for axis, label in LAYOUTS if axis in graphs) + "."]
    return "\n".join(lines) + "\n"


def write_between_markers(path, block):
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        fail(f"cannot read {path}: {error}")
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < begin or text.count(BEGIN) != 1 or text.count(END) != 1:
        fail(f"{path} needs exactly one {BEGIN} followed by one {END}")
    updated = text[:begin + len(BEGIN)] + "\n" + block + text[end:]
    with open(path, "w", encoding="utf-8") as file:
        file.write(updated)


def main():
    args = parse_args()
    cells, probes, meta, paired = read_rounds(args.rounds)
    if not probes or not cells:
        fail("the results hold no probe or no cell: " + " ".join(args.rounds))
    block = render(args, cells, probes, meta, paired)
    print(block, end="")
    if args.write:
        write_between_markers(args.write, block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
