#!/usr/bin/env bash
# Writes tests/golden/<name>/{report.json,layers.csv[,trace.digest]} for every case of
# tests/golden/cases.txt with the given aimcsim binary (default build/aimcsim).
# Only for changes meant to move results: the golden test exists to catch the others.
# Usage: scripts/golden_reports.sh [AIMCSIM_BINARY] [CASE...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/aimcsim}
shift || true
cd "$here"
grep -v -e '^#' -e '^$' tests/golden/cases.txt | while IFS= read -r line; do
  name=${line%%:*}
  args=${line#*: }
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  out=tests/golden/$name
  rm -rf "$out" && mkdir -p "$out"
  extra=()
  case " $args " in *" --trace "*) args=${args/ --trace/}; extra=(--trace "$out/trace.json") ;; esac
  # shellcheck disable=SC2086
  "$bin" run $args "${extra[@]}" -q --out "$out/run" 2>/dev/null
  mv "$out/run/report.json" "$out/"
  [ -f "$out/run/layers.csv" ] && mv "$out/run/layers.csv" "$out/"
  rm -rf "$out/run"
  if [ -f "$out/trace.json" ]; then  # traces are megabytes: keep their size and FNV-1a-64 digest
    /usr/bin/python3 - "$out/trace.json" >"$out/trace.digest" <<'PY'
import sys
h = 0xcbf29ce484222325
data = open(sys.argv[1], "rb").read()
for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
print(f"{len(data)} {h:016x}")
PY
    rm "$out/trace.json"
  fi
  echo "golden: $name"
done
