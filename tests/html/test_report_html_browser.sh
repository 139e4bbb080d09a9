#!/usr/bin/env bash
# report.html in a real browser: runs the default configuration (fewer accuracy
# images, so it takes seconds), opens its report.html in headless Chromium and checks
# what the page's script drew: the tile map (one rect per tile of the grid), the
# bottleneck section naming conv1 on one tile and the static share, the layer,
# energy, timeline and accuracy figures; then takes a screenshot and checks that it
# is not blank. Exit 77 (skipped) only when no Chromium is installed
# (scripts/test.sh installs Debian's `chromium`).
# Usage: test_report_html_browser.sh AIMCSIM_CLI SOURCE_DIR [SCREENSHOT_COPY [WINDOW_SIZE]]
set -euo pipefail
cli=$1
src=$2
keep=${3:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIPPED: no chromium on PATH (apt-get install chromium, or run scripts/test.sh)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$cli" run "$src/configs/hermes64.yaml" --set accuracy.samples=200 --out "$tmp/out" -q
html="$tmp/out/report.html"
[ -s "$html" ] || { echo "FAIL: no report.html beside report.json"; exit 1; }
if grep -Eq '(src|href)="https?:' "$html"; then echo "FAIL: report.html loads something from the network"; exit 1; fi

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --user-data-dir="$tmp/profile"
       --virtual-time-budget=5000)
# One browser start: the DOM after the script ran, and a screenshot of the page.
timeout 60 "$browser" "${flags[@]}" --hide-scrollbars --window-size=${4:-1200,2400} --screenshot="$tmp/shot.png" \
  --dump-dom "file://$html" > "$tmp/dom.html" 2> "$tmp/chromium.log" || {
  echo "FAIL: chromium --dump-dom --screenshot failed"; tail -5 "$tmp/chromium.log"; exit 1; }

fail=0
expect() {  # expect NAME MIN COUNT_OF_PATTERN
  local n
  n=$(grep -o -- "$3" "$tmp/dom.html" | wc -l)
  if [ "$n" -lt "$2" ]; then echo "FAIL: $1: found $n of '$3', expected at least $2"; fail=1;
  else echo "ok: $1 ($n)"; fi
}
expect "script ran to its end" 1 'data-rendered="true"'
expect "tile map: 64 tiles" 64 'class="tile"'
expect "key figures rows" 8 '<tr><td>'
expect "bottleneck: conv1 on one tile" 1 '<li>throughput is limited by [^ ]*conv1[^ ]* on 1 tile'
expect "bottleneck: static share" 1 '<li>static energy is [0-9.]* % of the total'
expect "bottleneck: the knobs" 1 '<li>knob: chip.power_gate_unused_tiles: true'
expect "resources chart" 1 '<svg id="fig-resources"'
expect "layer latency chart" 1 '<svg id="fig-latency"'
expect "layer energy chart" 1 '<svg id="fig-layer-energy"'
expect "energy breakdown chart" 1 '<svg id="fig-energy"'
expect "timeline: spans of 4 inferences" 4 'class="span"'
expect "accuracy points (2 times x GDC on/off)" 4 'class="point"'

python3 - "$tmp/shot.png" <<'PY' || fail=1
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": width, height = struct.unpack(">II", body[:8])
    if kind == b"IDAT": idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
distinct = len(set(raw[i:i + 3] for i in range(0, len(raw), 997)))
print(f"screenshot {width}x{height}, {distinct} distinct samples")
if distinct < 20:
    print("FAIL: the screenshot is blank"); sys.exit(1)
PY
if [ -n "$keep" ]; then cp "$tmp/shot.png" "$keep"; fi
exit $fail
