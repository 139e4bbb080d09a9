#!/usr/bin/env bash
# Reruns every validation case (aimcsim validate) and regenerates docs/validation.md and
# docs/img/validation_error.png from its validation.json. Usage: scripts/validation_doc.sh [BUILD_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
"$build/aimcsim" validate --out "$out" || status=$?
[ -f "$out/validation.json" ] || exit "$status"
/usr/bin/python3 "$repo/scripts/validation_doc.py" "$out/validation.json" --doc "$repo/docs/validation.md"
exit "$status"
