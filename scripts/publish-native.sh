#!/usr/bin/env bash
# Builds the self-contained native bnaxis (Native AOT, the fixtures inside) with one command:
#   scripts/publish-native.sh [RID] [OUTPUT]
# RID is linux-x64 (default), linux-arm64, osx-arm64 or win-x64 (conformance/Cli/Properties/PublishProfiles);
# Native AOT builds on the target's OS. OUTPUT (default artifacts/native/RID) receives the one file bnaxis (bnaxis.exe).
# Needs the .NET SDK, clang and zlib (Debian: apt-get install clang zlib1g-dev). A trimming or
# AOT warning fails the build (warnings are errors). Exit codes: 0 built, 2 invalid command line, else the build's.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/publish-native.sh [linux-x64|linux-arm64|osx-arm64|win-x64] [OUTPUT]"
[ $# -le 2 ] || { echo "publish-native.sh: $usage" >&2; exit 2; }
rid="${1:-linux-x64}"
case "$rid" in
    linux-x64|linux-arm64|osx-arm64|win-x64) ;;
    *) echo "publish-native.sh: no publish profile for '$rid': expected linux-x64, linux-arm64, osx-arm64 or win-x64" >&2; exit 2 ;;
esac
output="${2:-artifacts/native/$rid}"

dotnet publish conformance/Cli -c Release -p:PublishProfile="native-$rid" -o "$output"
binary="$output/bnaxis"
[ "$rid" != win-x64 ] || binary="$output/bnaxis.exe"
echo "$binary: $(du -k "$binary" | cut -f1) KiB"
