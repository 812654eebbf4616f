#!/usr/bin/env bash
# Runs the conformance suite on the peer frameworks (PyTorch 1.13 from Debian, ONNX Runtime 1.31.1 for .NET,
# TensorFlow.js 4.22) and writes docs/compatibility.md and docs/compatibility.json from the run reports.
#
#   scripts/compat/run-peers.sh [--date YYYY-MM-DD] [--check] [--no-install]
#
#   --date D      the date the page states (default: today, UTC; with --check, the committed page's date)
#   --check       regenerate into a temporary folder and compare with the committed files; exit 1 if they differ
#   --no-install  fail instead of installing what is missing
#
# Installs what is missing (skips what is present): Debian's python3-torch and python3-numpy (apt-get, about 640 MB),
# the TF.js harness's npm packages (npm ci, 83 MB), and builds bnaxis and the ONNX Runtime harness (NuGet restore of
# Microsoft.ML.OnnxRuntime, about 400 MB). Run reports go to artifacts/compat/. Nothing here is part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."

date_arg="" check=false install=true
while [ $# -gt 0 ]; do
    case "$1" in
        --date) [ $# -ge 2 ] || { echo "run-peers: --date needs a value (YYYY-MM-DD)" >&2; exit 2; }; date_arg="$2"; shift 2 ;;
        --check) check=true; shift ;;
        --no-install) install=false; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-peers: unknown option '$1' (expected --date, --check, --no-install)" >&2; exit 2 ;;
    esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
started=$(date +%s)
step() { printf '== %s\n' "$*" >&2; }
need() {  # need <what is missing> <command to install it>
    if ! $install; then echo "run-peers: $1 is missing; install it with: $2 (or drop --no-install)" >&2; exit 3; fi
    step "installing $1: $2"
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "peers: install what is missing"
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    need "PyTorch (Debian python3-torch)" "apt-get install --no-install-recommends python3-torch python3-numpy"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends python3-torch python3-numpy >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    need "Node.js and npm" "apt-get install nodejs npm"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq nodejs npm >/dev/null
fi
if [ ! -d conformance/harnesses/tfjs/node_modules/@tensorflow/tfjs-layers ]; then
    need "TF.js 4.22 (npm)" "npm ci --prefix conformance/harnesses/tfjs"
    npm ci --prefix conformance/harnesses/tfjs --no-audit --no-fund --silent >&2
fi
step "build bnaxis and the ONNX Runtime harness (Release)"
dotnet build -c Release conformance/Cli -nologo -v quiet -clp:ErrorsOnly >&2
dotnet build -c Release conformance/harnesses/onnxruntime -nologo -v quiet -clp:ErrorsOnly >&2

bnaxis=conformance/Cli/bin/Release/net10.0/bnaxis.dll
ort=conformance/harnesses/onnxruntime/bin/Release/net10.0/bnaxis-ort-harness.dll
work=artifacts/compat
mkdir -p "$work"

run_peer() {  # run_peer <key> <harness command> [expectations file]
    local key="$1" harness="$2" expectations="${3:-}" status=0
    local args=(run --harness "$harness" --json "$work/$key.json")
    [ -n "$expectations" ] && args+=(--expectations "$expectations")
    step "run $key: $harness${expectations:+ (profile $expectations)}"
    dotnet "$bnaxis" "${args[@]}" > "$work/$key.txt" 2>&1 || status=$?
    tail -n 1 "$work/$key.txt" >&2
    # 0 and 1 are verdicts (1: failures, expected without a profile); 2 and 3 mean the run itself did not happen.
    if [ "$status" -ge 2 ]; then
        echo "run-peers: $key: bnaxis run exited with $status: $(tail -n 1 "$work/$key.txt")" >&2
        exit 1
    fi
    if [ -n "$expectations" ] && [ "$status" -ne 0 ]; then
        echo "run-peers: $key: the profile $expectations no longer holds (see $work/$key.txt)" >&2
    fi
}

run_peer pytorch "/usr/bin/python3 conformance/harnesses/pytorch/harness.py" conformance/harnesses/pytorch/expectations-pytorch-profile.json
run_peer pytorch-aten "BNAXIS_TORCH_OP=aten /usr/bin/python3 conformance/harnesses/pytorch/harness.py"
run_peer onnxruntime "dotnet $ort" conformance/harnesses/onnxruntime/expectations.json
run_peer tfjs "node conformance/harnesses/tfjs/harness.mjs" conformance/harnesses/tfjs/expectations.json

if [ -z "$date_arg" ]; then
    if $check && [ -f docs/compatibility.json ]; then
        date_arg=$(/usr/bin/python3 -c 'import json; print(json.load(open("docs/compatibility.json"))["date"])')
    else
        date_arg=$(date -u +%F)
    fi
fi

out=docs
$check && out=$(mktemp -d)
/usr/bin/python3 scripts/compat/build_report.py --date "$date_arg" --manifest fixtures/manifest.json \
    --md "$out/compatibility.md" --json "$out/compatibility.json" \
    pytorch="$work/pytorch.json" pytorch-aten="$work/pytorch-aten.json" onnxruntime="$work/onnxruntime.json" tfjs="$work/tfjs.json"

elapsed=$(( $(date +%s) - started ))
if $check; then
    if diff -u docs/compatibility.md "$out/compatibility.md" >&2 && diff -q docs/compatibility.json "$out/compatibility.json" >&2; then
        echo "run-peers --check: docs/compatibility.md and docs/compatibility.json are what the peers produce (${elapsed} s)" >&2
    else
        echo "run-peers --check: docs/compatibility.* differ from what the peers produce; regenerate with scripts/compat/run-peers.sh --date $date_arg (${elapsed} s)" >&2
        exit 1
    fi
else
    echo "run-peers: wrote docs/compatibility.md and docs/compatibility.json (${elapsed} s)" >&2
fi
