#!/usr/bin/env bash
# Installs what aimcsim needs from Debian (only what is missing) and builds it.
# Idempotent: a second run installs nothing and rebuilds only what changed.
# Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
shift || true

packages=(build-essential cmake pkg-config libsystemc-dev libyaml-cpp-dev libspdlog-dev catch2
          libboost-program-options-dev nlohmann-json3-dev libonnx-dev libprotobuf-dev zlib1g-dev libopenblas-dev
          dataset-fashion-mnist libeigen3-dev
          python3-dev pybind11-dev python3-numpy python3-pytest python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
