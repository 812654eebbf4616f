#!/usr/bin/env bash
# Times two revisions of FastBatchNorm side by side: both loaded into one process (each in an AssemblyLoadContext of
# its own, so each has its own JIT code and profile), called alternately on the same arrays, on the peer benchmark's
# layouts and data. Prints per cell each build's median time, the ratio B/A (the median over pairs of blocks, with
# its quartiles) and whether both wrote the same bits. This is how a change to a kernel is measured: separate
# processes move by 10 to 40 % from one to the next on a shared machine, and separate arrays can differ in how their
# addresses line up (see docs/performance.md, "Machine and method").
#
#   scripts/compat/side-by-side.sh [options] BASE [CANDIDATE]
#
#   BASE, CANDIDATE   git revisions (anything `git rev-parse` takes: HEAD, a commit, a branch, a tag), or "worktree"
#                     for the checkout's files as they are, uncommitted changes included; CANDIDATE defaults to
#                     worktree. Comparing a revision with itself shows the method's own spread.
#   --axis A          -1, 1, 1,2,3 or 0 (repeatable; default all four)
#   --mode M          training, inference or backward (repeatable; default all three)
#   --threads N       1 to 256 (repeatable; default 1)
#   --pairs N         pairs of blocks per cell, one block of each build (default 20; 3 with --quick)
#   --quick           a smoke test: 3 pairs of blocks of 2 calls, 2 warm-up calls
#   --no-prime        time the cells without running every layout and mode first (by default both builds first
#                     run all twelve, in the peer benchmark's order, so the JIT's profiles are those of that benchmark)
#
# Each revision's reference/BatchNormAxis (with the root's build files) is extracted into
# artifacts/side-by-side/<commit>/ (worktree: artifacts/side-by-side/worktree/, replaced on every run), and the call
# shim (scripts/compat/SideBySideShim) is built there against it, with warnings allowed so that a change in progress
# builds. The host is scripts/compat/SideBySide. Nothing here is part of .ci/run's tests: CI only runs --quick once to
# keep the tool working. Run it on a quiet machine; the twelve cells take about 40 s after the builds.
#
# Exit codes: 0 done; 1 a build or a call failed (its last lines are quoted); 2 a bad command line or revision;
# 3 no .NET SDK, or not inside a git checkout.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage_error() { echo "side-by-side: $1" >&2; exit 2; }
host_args=() revisions=() quick=false pairs=""
while [ $# -gt 0 ]; do
    case "$1" in
        --axis|--mode|--threads)
            [ $# -ge 2 ] && [ -n "$2" ] || usage_error "$1 needs a value"
            # The host checks these again; checked here too, so that a typo fails before two builds, not after.
            case "$1:$2" in
                --axis:-1|--axis:1|--axis:1,2,3|--axis:0|--mode:training|--mode:inference|--mode:backward) ;;
                --axis:*) usage_error "--axis '$2' is not a layout of the peer benchmark (expected -1, 1, 1,2,3 or 0)" ;;
                --mode:*) usage_error "--mode '$2' is not a mode (expected training, inference or backward)" ;;
                --threads:*) [[ "$2" =~ ^[1-9][0-9]{0,2}$ ]] && [ "$2" -le 256 ] || usage_error "--threads '$2' is not a whole number from 1 to 256" ;;
            esac
            host_args+=("$1" "$2"); shift 2 ;;
        --pairs)
            [ $# -ge 2 ] && [ -n "$2" ] || usage_error "--pairs needs a value"
            [[ "$2" =~ ^[1-9][0-9]{0,3}$ ]] || usage_error "--pairs '$2' is not a whole number from 1 to 9999"
            pairs="$2"; shift 2 ;;
        --quick) quick=true; shift ;;
        --no-prime) host_args+=(--no-prime); shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) usage_error "unknown option '$1' (expected --axis, --mode, --threads, --pairs, --quick, --no-prime, --help)" ;;
        *) revisions+=("$1"); shift ;;
    esac
done
case ${#revisions[@]} in
    1) revisions+=(worktree) ;;
    2) ;;
    *) usage_error "expected BASE and optionally CANDIDATE (git revisions or 'worktree'), got ${#revisions[@]} revision(s)" ;;
esac
if $quick; then
    host_args+=(--pairs "${pairs:-3}" --calls-per-block 2 --warmup-calls 2 --warmup-seconds 0)
else
    host_args+=(--pairs "${pairs:-20}")
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
command -v dotnet >/dev/null || { echo "side-by-side: the .NET SDK is missing (dotnet, the version of global.json): see https://dot.net" >&2; exit 3; }
git rev-parse --git-dir >/dev/null 2>&1 || { echo "side-by-side: $(pwd) is not inside a git checkout" >&2; exit 3; }
step() { printf '== %s\n' "$*" >&2; }

work=artifacts/side-by-side
build_files=(Directory.Build.props Directory.Packages.props global.json .editorconfig reference/BatchNormAxis)

# extract <revision>: prints "<folder>\t<label>" of the revision's extracted files.
extract() {
    local revision="$1" commit folder
    if [ "$revision" = worktree ]; then
        folder="$work/worktree"
        rm -rf "$folder" && mkdir -p "$folder"
        # The checkout's files as they are: tracked (unless deleted) and untracked ones, without ignored ones (bin, obj).
        git ls-files -z --cached --others --exclude-standard -- "${build_files[@]}" |
            while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
            tar --null -T - -cf - | tar -xf - -C "$folder"
        local changes=""
        git diff --quiet HEAD -- "${build_files[@]}" || changes=" with uncommitted changes"
        printf '%s\tworktree (%s%s)\n' "$folder" "$(git rev-parse --short HEAD)" "$changes"
        return
    fi
    commit=$(git rev-parse --verify --quiet "$revision^{commit}" 2>/dev/null) || usage_error "'$revision' is not a git revision of this repository (nor 'worktree')"
    git cat-file -e "$commit:reference/BatchNormAxis/BatchNormAxis.csproj" 2>/dev/null \
        || usage_error "revision '$revision' has no reference/BatchNormAxis/BatchNormAxis.csproj"
    folder="$work/$commit"
    if [ ! -f "$folder/.extracted" ]; then
        rm -rf "$folder" && mkdir -p "$folder"
        local present=() path
        for path in "${build_files[@]}"; do git cat-file -e "$commit:$path" 2>/dev/null && present+=("$path"); done
        git archive --format=tar "$commit" -- "${present[@]}" | tar -xf - -C "$folder"
        touch "$folder/.extracted"
    fi
    printf '%s\t%s (%s)\n' "$folder" "$revision" "$(git rev-parse --short "$commit")"
}

# build_shim <folder>: the call shim built against the library in <folder>; prints its output folder.
build_shim() {
    local folder="$1" log
    rm -rf "$folder/side-by-side-shim" && cp -r scripts/compat/SideBySideShim "$folder/side-by-side-shim"
    rm -rf "$folder/side-by-side-shim/bin" "$folder/side-by-side-shim/obj"
    log="$folder/build.log"
    if ! dotnet build -c Release "$folder/side-by-side-shim/SideBySideShim.csproj" -nologo -v quiet \
        "-p:BatchNormAxisProject=$(pwd)/$folder/reference/BatchNormAxis/BatchNormAxis.csproj" \
        -p:TreatWarningsAsErrors=false -p:EnforceCodeStyleInBuild=false > "$log" 2>&1; then
        echo "side-by-side: building $folder failed; the end of $log:" >&2
        grep -E ' error |error [A-Z]+[0-9]+' "$log" | sort -u | tail -n 5 >&2 || tail -n 5 "$log" >&2
        exit 1
    fi
    printf '%s\n' "$folder/side-by-side-shim/bin/Release/net10.0"
}

mkdir -p "$work"
extracted_a=$(extract "${revisions[0]}")
extracted_b=$(extract "${revisions[1]}")
IFS=$'\t' read -r folder_a label_a <<<"$extracted_a"
IFS=$'\t' read -r folder_b label_b <<<"$extracted_b"
step "A = $label_a, B = $label_b: building the call shim against each"
bin_a=$(build_shim "$folder_a")
if [ "$folder_b" = "$folder_a" ]; then bin_b="$bin_a"; else bin_b=$(build_shim "$folder_b"); fi
dotnet build -c Release scripts/compat/SideBySide -nologo -v quiet > "$work/host-build.log" 2>&1 \
    || { echo "side-by-side: building scripts/compat/SideBySide failed; see $work/host-build.log" >&2; exit 1; }
step "timing"
exec dotnet scripts/compat/SideBySide/bin/Release/net10.0/bnaxis-side-by-side.dll \
    --a "$bin_a" --a-label "$label_a" --b "$bin_b" --b-label "$label_b" "${host_args[@]}"
