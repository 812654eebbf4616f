#!/usr/bin/env bash
# Times FastBatchNorm against its peers, ONNX Runtime 1.31.1 for .NET and libtorch 1.13 (Debian's python3-torch), on
# the four benchmark layouts (float32 (32, 56, 56, 64) with axis -1, [1, 2, 3] and 0; (32, 64, 56, 56) with axis 1) in
# three modes (training forward, inference, backward) on 1 and 2 threads, with a memory-bandwidth probe, interleaved
# in one run; writes the table into docs/performance.md ("Against the peers", between the bench-peers markers) and
# prints it.
#
#   scripts/compat/bench-peers.sh [--rounds N] [--quick] [--no-write] [--no-install]
#
#   --rounds N      interleaved rounds (default 3; 1 with --quick); a cell's value is the median over the rounds
#   --quick         a smoke test: 1 round, 7 timed calls per cell, short warm-ups; the table says it is a smoke run
#   --no-write      print the table only; docs/performance.md is left alone
#   --no-install    fail instead of installing what is missing
#
# Each round runs, for 1 and then 2 threads, one process per tool, so one tool cannot disturb another: the probe
# (scripts/compat/bandwidth_probe.c: a 400 MB sum and copy, median of 11 repetitions), fast and ONNX Runtime
# (scripts/compat/PeerBench, one process each), libtorch (scripts/compat/bench_torch.py). Per cell: warm-up calls (at
# least 30 and 0.5 s, 2 s for a process's first cell: tiered compilation), then the median of 30 calls, each timed on
# its own. Fast's cells are also paired with the probe (PeerBench --probe: it measures, 5 repetitions, right before
# and right after each cell's timed calls), and fast's "of roofline" comes from those pairs: memory bandwidth here
# moves by 15 to 45 % from one minute to the next. Their JSON lines go to
# artifacts/bench/round-K.jsonl (replaced on every run); scripts/compat/render_bench.py turns them into the table.
# A full run (3 rounds) takes about 5 minutes on 2 cores (about 95 s a round), plus the builds. Nothing here is part of .ci/run or
# `dotnet test`: run it on a quiet machine.
#
# Installs what is missing (skips what is present): clang (the probe is built with clang -O2 -march=native) and
# Debian's python3-torch (about 640 MB) with apt-get (root or sudo); builds PeerBench, which restores
# Microsoft.ML.OnnxRuntime 1.31.1 from NuGet (about 400 MB). The .NET SDK must be there already.
#
# Exit codes: 0 done; 1 a tool's run failed (its last line is quoted) or the table could not be written; 2 a bad
# command line; 3 something missing under --no-install, or no .NET SDK.
set -euo pipefail
command_line="scripts/compat/bench-peers.sh${*:+ $*}"
cd "$(dirname "$0")/../.."

rounds="" quick=false write=true install=true
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "bench-peers: --rounds needs a value" >&2; exit 2; }
            [[ "$2" =~ ^[1-9][0-9]?$ ]] || { echo "bench-peers: --rounds '$2' is not a whole number from 1 to 99" >&2; exit 2; }
            rounds="$2"; shift 2 ;;
        --quick) quick=true; shift ;;
        --no-write) write=false; shift ;;
        --no-install) install=false; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "bench-peers: unknown option '$1' (expected --rounds, --quick, --no-write, --no-install, --help)" >&2; exit 2 ;;
    esac
done
if $quick; then
    rounds=${rounds:-1} timing=(--calls 7 --warmup-calls 30 --warmup-seconds 0.1) probe_repetitions=3 paired_repetitions=1
else
    rounds=${rounds:-3} timing=(--calls 30 --warmup-calls 30 --warmup-seconds 0.5) probe_repetitions=11 paired_repetitions=5
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
step() { printf '== %s\n' "$*" >&2; }
need() {  # need <what is missing> <command to install it>
    if ! $install; then echo "bench-peers: $1 is missing; install it with: $2 (or drop --no-install)" >&2; exit 3; fi
    step "installing $1: $2"
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$@" >/dev/null; }

command -v dotnet >/dev/null || { echo "bench-peers: the .NET SDK is missing (dotnet, the version of global.json): see https://dot.net" >&2; exit 3; }
if ! command -v clang >/dev/null; then
    need "clang" "apt-get install clang"
    apt_install clang
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    need "PyTorch (Debian python3-torch)" "apt-get install --no-install-recommends python3-torch"
    apt_install python3-torch
fi

work=artifacts/bench
mkdir -p "$work"
rm -f "$work"/round-*.jsonl
step "build the bandwidth probe (clang -O2 -march=native) and PeerBench (Release)"
clang -O2 -march=native -pthread scripts/compat/bandwidth_probe.c -o "$work/bandwidth-probe"
dotnet build -c Release scripts/compat/PeerBench -nologo -v quiet -clp:ErrorsOnly >&2
peer_bench=scripts/compat/PeerBench/bin/Release/net10.0/bnaxis-peer-bench.dll

run_tool() {  # run_tool <round file> <label> <command...>: the command's JSON lines go to the round file
    local results="$1" label="$2" status=0
    shift 2
    step "$label"
    "$@" >> "$results" 2> >(tee "$work/last-stderr.txt" >&2) || status=$?
    wait  # the tee of stderr
    if [ "$status" -ne 0 ]; then
        echo "bench-peers: $label exited with $status: $(tail -n 1 "$work/last-stderr.txt")" >&2
        exit 1
    fi
}

started=$(date -u '+%Y-%m-%d %H:%M')
began=$(date +%s)
round_files=()
for round in $(seq 1 "$rounds"); do
    results="$work/round-$round.jsonl"
    round_files+=("$results")
    for threads in 1 2; do
        where="round $round/$rounds, $threads thread(s)"
        run_tool "$results" "$where: bandwidth probe" "$work/bandwidth-probe" "$threads" "$probe_repetitions"
        run_tool "$results" "$where: fast" dotnet "$peer_bench" --tool fast --threads "$threads" "${timing[@]}" \
            --probe "$work/bandwidth-probe" --probe-repetitions "$paired_repetitions"
        run_tool "$results" "$where: ONNX Runtime" dotnet "$peer_bench" --tool ort --threads "$threads" "${timing[@]}"
        run_tool "$results" "$where: libtorch" /usr/bin/python3 scripts/compat/bench_torch.py --threads "$threads" "${timing[@]}"
    done
done
step "timed in $(( $(date +%s) - began )) s; the table:"

render=(/usr/bin/python3 scripts/compat/render_bench.py --command "$command_line" --started "$started")
$quick && render+=(--smoke)
$write && render+=(--write docs/performance.md)
"${render[@]}" "${round_files[@]}"
$write && step "written into docs/performance.md (between the bench-peers markers)"
exit 0
