#!/usr/bin/env bash
# Builds the three example plugins against an installed aimcsim and prints their
# effect next to the built-in models:
#   - MVM error vs time after programming, pcm vs projected_pcm, with and without GDC
#   - MVM latency, energy and error of the SAR ADC vs its bits, next to the CCO
#   - the photonic tile's latency, peak TOPS and error vs its symbol rate
# Usage: examples/plugins/compare.sh [AIMCSIM_PREFIX]
#   AIMCSIM_PREFIX: an installed aimcsim (default: install ./build into a temp prefix).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

prefix="${1:-}"
if [[ -z "$prefix" ]]; then
  prefix="$work/prefix"
  cmake --install "$repo/build" --prefix "$prefix" >/dev/null
fi
for n in projected_pcm sar_adc photonic_tile; do
  cmake -S "$here/$n" -B "$work/$n" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/$n" -j 2 >/dev/null
done
aimcsim="$prefix/bin/aimcsim"
plugins=(--plugin "$work/projected_pcm/libprojected_pcm.so" --plugin "$work/sar_adc/libsar_adc.so"
         --plugin "$work/photonic_tile/libphotonic_tile.so")
core="$repo/configs/hermes_core.yaml"

# run CONFIG ARGS... -> prints "latency_ns interval_ns adc_pj_per_mvm peak_tops_per_w error_percent"
run() {
  local out="$work/out"
  rm -rf "$out"
  "$aimcsim" "${plugins[@]}" run "$@" -q --out "$out" 2>/dev/null
  python3 - "$out/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
t, p = r["tile"], r["performance"]
err = r["mvm_error"]["relative_rms"]
print(f'{t["mvm_latency_ns"]:9.3f} {t["mvm_interval_ns"]:9.3f} {p["energy_breakdown_pj"]["adc"] / p["mvms"]:9.1f} '
      f'{t["peak_tops"]:7.3f} {t["peak_tops_per_w"]:7.2f} {100 * err:7.2f}')
EOF
}

echo "== MVM error (%) vs time after programming: one HERMES core, 1000 random 256x256 MVMs"
printf '%-14s %-5s %8s %8s %8s %8s\n' device gdc "1 s" "1 h" "1 day" "1 year"
for dev in pcm projected_pcm; do
  for gdc in true false; do
    row=""
    for t in 1 3600 86400 31536000; do
      e=$(run "$core" --set tile.device.model=$dev --set "simulation.t_inference_s=[$t]" --set tile.gdc.enabled=$gdc | awk '{print $6}')
      row="$row $(printf '%8s' "$e")"
    done
    printf '%-14s %-5s%s\n' "$dev" "$gdc" "$row"
  done
done

echo
echo "== Column ADC: CCO vs SAR (1 hour, pcm)"
printf '%-10s %9s %9s %9s %7s %7s %7s\n' adc lat_ns int_ns adc_pJ TOPS TOPS/W err_%
printf '%-10s %s\n' cco "$(run "$core")"
for b in 4 6 8 10; do
  printf '%-10s %s\n' "sar $b" "$(run "$core" --set "tile.adc={model: sar, bits: $b}")"
done

echo
echo "== Photonic tile (16x16, ideal 8-bit receiver ADC) vs symbol rate"
printf '%-10s %9s %9s %9s %7s %7s %7s\n' GBd lat_ns int_ns adc_pJ TOPS TOPS/W err_%
for rate in 7 14 28; do
  printf '%-10s %s\n' "$rate" "$(run "$core" --set "tile={model: photonic, symbol_rate_gbaud: $rate, adc: {model: ideal, bits: 8}}")"
done
