#!/usr/bin/env bash
# Runs the conformance suite on the peer frameworks (PyTorch 1.13 from Debian, ONNX Runtime 1.31.1 for .NET,
# TensorFlow.js 4.22, and Keras 3.15.1 itself from its source) and writes docs/compatibility.md and
# docs/compatibility.json from the run reports.
#
#   scripts/compat/run-peers.sh (--keras-git REPO | --keras-source DIR) [--date YYYY-MM-DD] [--check] [--no-install]
#
#   --keras-git REPO    a git repository of keras-team/keras holding tag v3.15.1 (a clone, or a bare mirror):
#                       the tag is exported with `git archive` into artifacts/compat/keras-src/
#   --keras-source DIR  a checkout of keras-team/keras at v3.15.1 (DIR/keras/src/version.py must say 3.15.1)
#   --date D            the date the page states (default: today, UTC; with --check, the committed page's date)
#   --check             regenerate into a temporary folder and compare with the committed files; exit 1 if they differ
#   --no-install        fail instead of installing what is missing
#
# Exit codes: 0 written (or --check found no difference); 1 a peer run did not happen, --check found a
# difference, or the docs' Keras 3 code did not check out (scripts/compat/check_migration.py); 2 a bad command
# line, or no usable Keras 3.15.1 source (get one with
# `git clone --branch v3.15.1 https://github.com/keras-team/keras` and pass --keras-source keras); 3 something to
# install is missing under --no-install.
#
# Installs what is missing (skips what is present): Debian's python3-torch and python3-numpy (apt-get, about 640 MB),
# Keras' dependencies that Debian packages (python3-absl python3-rich python3-packaging python3-h5py
# python3-scipy), the TF.js harness's npm packages (npm ci, 83 MB), and builds bnaxis and the ONNX Runtime harness
# (NuGet restore of Microsoft.ML.OnnxRuntime, about 400 MB). Keras runs from its source with the numpy backend and,
# for each of optree, ml_dtypes and jax that does not import, the stand-in from scripts/compat/keras-standins/ (see
# the README there; linked into artifacts/compat/keras-standins/ on PYTHONPATH); its torch backend is tried with
# Debian's torch and reported as a row, or as why it cannot run.
# Run reports go to artifacts/compat/. Nothing here is part of .ci/run.
set -euo pipefail
origin=$PWD
cd "$(dirname "$0")/../.."

date_arg="" check=false install=true keras_git="" keras_source=""
while [ $# -gt 0 ]; do
    case "$1" in
        --date|--keras-git|--keras-source)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "run-peers: $1 needs a value" >&2; exit 2; }
            case "$1" in --date) date_arg="$2" ;; --keras-git) keras_git="$2" ;; --keras-source) keras_source="$2" ;; esac
            shift 2 ;;
        --check) check=true; shift ;;
        --no-install) install=false; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "run-peers: unknown option '$1' (expected --keras-git, --keras-source, --date, --check, --no-install)" >&2; exit 2 ;;
    esac
done
keras_tag=v3.15.1 keras_version=3.15.1
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$origin" "$1" ;; esac; }
[ -z "$keras_git" ] || keras_git=$(absolute "$keras_git")
[ -z "$keras_source" ] || keras_source=$(absolute "$keras_source")
if [ -n "$keras_git" ] && [ -n "$keras_source" ]; then
    echo "run-peers: give either --keras-git or --keras-source, not both" >&2; exit 2
fi
if [ -z "$keras_git" ] && [ -z "$keras_source" ]; then
    echo "run-peers: Keras $keras_version source needed: --keras-git REPO (a git repository with tag $keras_tag) or --keras-source DIR (a checkout at $keras_tag); get one with: git clone --branch $keras_tag https://github.com/keras-team/keras" >&2
    exit 2
fi
if [ -n "$keras_git" ] && ! git -C "$keras_git" rev-parse -q --verify "refs/tags/$keras_tag^{commit}" >/dev/null 2>&1; then
    echo "run-peers: --keras-git '$keras_git' is not a git repository with tag $keras_tag (expected a clone of https://github.com/keras-team/keras)" >&2
    exit 2
fi
if [ -n "$keras_source" ] && [ ! -f "$keras_source/keras/src/version.py" ]; then
    echo "run-peers: --keras-source '$keras_source' has no keras/src/version.py (expected a checkout of keras-team/keras at $keras_tag)" >&2
    exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
started=$(date +%s)
step() { printf '== %s\n' "$*" >&2; }
need() {  # need <what is missing> <command to install it>
    if ! $install; then echo "run-peers: $1 is missing; install it with: $2 (or drop --no-install)" >&2; exit 3; fi
    step "installing $1: $2"
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

work=artifacts/compat
mkdir -p "$work"
step "Keras $keras_version source"
if [ -n "$keras_git" ]; then
    keras_source=$work/keras-src
    rm -rf "$keras_source" && mkdir -p "$keras_source"
    git -C "$keras_git" archive "$keras_tag" | tar -x -C "$keras_source"
fi
found=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$keras_source/keras/src/version.py")
if [ "$found" != "$keras_version" ]; then
    echo "run-peers: $keras_source/keras/src/version.py says ${found:-no version}, expected $keras_version (check out tag $keras_tag)" >&2
    exit 2
fi
keras_source=$(cd "$keras_source" && pwd)

step "peers: install what is missing"
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    need "PyTorch (Debian python3-torch)" "apt-get install --no-install-recommends python3-torch python3-numpy"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends python3-torch python3-numpy >/dev/null
fi
keras_debs="python3-absl python3-rich python3-packaging python3-h5py python3-scipy"
if ! /usr/bin/python3 -c 'import absl, rich, packaging, h5py, scipy.linalg' 2>/dev/null; then
    need "Keras' dependencies from Debian" "apt-get install --no-install-recommends $keras_debs"
    as_root apt-get update -qq
    # shellcheck disable=SC2086  # a list of package names
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $keras_debs >/dev/null
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
step "Keras: stand-ins for what does not import"
standins=$work/keras-standins
rm -rf "$standins" && mkdir -p "$standins"
used_standins=()
for module in optree ml_dtypes jax; do  # a stand-in only for what is not really installed
    if ! /usr/bin/python3 -c "import $module" 2>/dev/null; then
        ln -s "$PWD/scripts/compat/keras-standins/$module$([ "$module" = ml_dtypes ] && echo .py)" "$standins/"
        used_standins+=("$module")
    fi
done
# The runner of this checkout refuses a capability it does not know: declare renorm only once the fixtures have it.
renorm=0
grep -q '"renorm"' fixtures/manifest.json && renorm=1
keras_env() {  # keras_env <backend>: the environment prefix of the Keras harness's command
    printf 'KERAS_BACKEND=%s BNAXIS_KERAS_RENORM=%s PYTHONPATH=%s:%s' "$1" "$renorm" "$PWD/$standins" "$keras_source"
}

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
keras_profile=conformance/harnesses/keras/expectations-keras3-profile.json
run_peer keras-numpy "$(keras_env numpy) /usr/bin/python3 conformance/harnesses/keras/harness.py" "$keras_profile"
env $(keras_env numpy) /usr/bin/python3 conformance/harnesses/keras/known_behaviours.py > "$work/keras-numpy-behaviours.json"
step "Keras: the Keras 3 code of docs/migration.md and the NaN example of docs/troubleshooting.md"
if ! env $(keras_env numpy) /usr/bin/python3 scripts/compat/check_migration.py >&2; then
    echo "run-peers: scripts/compat/check_migration.py failed: the docs' Keras 3 code does not compute what the pages claim" >&2
    exit 1
fi
keras_reports=(keras-numpy="$work/keras-numpy.json")
behaviours=("$work/keras-numpy-behaviours.json")
# Keras' torch backend with Debian's torch: a row if it imports, else the reason, in the report.
if torch_error=$(env $(keras_env torch) /usr/bin/python3 -c 'import keras' 2>&1); then
    run_peer keras-torch "$(keras_env torch) /usr/bin/python3 conformance/harnesses/keras/harness.py" "$keras_profile"
    env $(keras_env torch) /usr/bin/python3 conformance/harnesses/keras/known_behaviours.py > "$work/keras-torch-behaviours.json"
    keras_reports+=(keras-torch="$work/keras-torch.json")
    behaviours+=("$work/keras-torch-behaviours.json")
    torch_note=""
else
    torch_version=$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')
    reason=$(printf '%s\n' "$torch_error" | grep -v '^ ' | tail -n 1)
    where=$(printf '%s\n' "$torch_error" | grep '^  File ' | tail -n 1 | sed -n 's#.*/\(keras/src/[^"]*\)", line \([0-9]*\).*#\1 line \2#p')
    step "Keras torch backend does not import with torch $torch_version: $reason ($where)"
    torch_note="import keras with KERAS_BACKEND=torch and Debian's torch $torch_version fails: $reason ($where at $keras_tag)"
fi
# How Keras was run, for the report (nothing volatile: no path, no timing).
/usr/bin/python3 -c 'import json, sys; print(json.dumps({"version": sys.argv[1], "tag": sys.argv[2], "debian": sys.argv[3].split(), "torch_not_run": sys.argv[4], "renorm": sys.argv[5] == "1", "standins": sys.argv[6:]}))' \
    "$keras_version" "$keras_tag" "$keras_debs" "$torch_note" "$renorm" ${used_standins[@]+"${used_standins[@]}"} > "$work/keras-run.json"

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
    --keras-run "$work/keras-run.json" $(printf -- '--extra-behaviours %s ' "${behaviours[@]}") \
    pytorch="$work/pytorch.json" pytorch-aten="$work/pytorch-aten.json" onnxruntime="$work/onnxruntime.json" tfjs="$work/tfjs.json" \
    "${keras_reports[@]}"

elapsed=$(( $(date +%s) - started ))
if $check; then
    if diff -u docs/compatibility.md "$out/compatibility.md" >&2 && diff -q docs/compatibility.json "$out/compatibility.json" >&2; then
        echo "run-peers --check: docs/compatibility.md and docs/compatibility.json are what the peers produce (${elapsed} s)" >&2
    else
        echo "run-peers --check: docs/compatibility.* differ from what the peers produce; regenerate with scripts/compat/run-peers.sh --date $date_arg and your --keras-git or --keras-source (${elapsed} s)" >&2
        exit 1
    fi
else
    echo "run-peers: wrote docs/compatibility.md and docs/compatibility.json (${elapsed} s)" >&2
fi
