#!/usr/bin/env bash
# scripts/plot_sweep.py averages repeated seeds: three seeds at x = 1 (1, 2, 3: mean 2,
# sd 1) and two at x = 2 (4, 6: mean 5, sd sqrt(2)), one failed point left out.
# Exit 77 (skipped) when Debian's python3-matplotlib is missing (scripts/setup.sh installs it).
set -euo pipefail
src=$1
/usr/bin/python3 -c "import matplotlib" 2>/dev/null || { echo "SKIPPED: no python3-matplotlib"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/results.csv" <<'CSV'
id,tile.x,seed,status,performance.tops,wall_s,error,run_dir
p0,1,1,ok,1,0.1,,
p1,1,2,ok,2,0.1,,
p2,1,3,ok,3,0.1,,
p3,2,1,ok,4,0.1,,
p4,2,2,ok,6,0.1,,
p5,2,3,failed,,0.1,boom,
CSV
/usr/bin/python3 "$src/scripts/plot_sweep.py" "$tmp/results.csv" --x tile.x --by none --y performance.tops \
  --out "$tmp/plot.png" --print > "$tmp/out.txt"
cat "$tmp/out.txt"
grep -qx "performance.tops - 1.0 2 1 3" "$tmp/out.txt" || { echo "FAIL: x=1 should be mean 2, sd 1, n 3"; exit 1; }
grep -qx "performance.tops - 2.0 5 1.414213562 2" "$tmp/out.txt" || { echo "FAIL: x=2 should be mean 5, sd 1.414213562, n 2"; exit 1; }
[ -s "$tmp/plot.png" ] || { echo "FAIL: no plot written"; exit 1; }
echo "ok"
