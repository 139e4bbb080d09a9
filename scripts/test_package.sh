#!/usr/bin/env bash
# CI: the Debian package as a user gets it. Builds aimcsim_<version>_<arch>.deb with
# CPack from the build folder of scripts/test.sh (built there if missing), installs it
# with apt, runs the default simulation and the Python module from the installed files
# in an empty directory, and purges the package again (also on failure).
# Usage: scripts/test_package.sh [BUILD_DIR]   (as root or with sudo)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
[ -x "$build/aimcsim" ] || "$here/scripts/setup.sh" "$build"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

cmake --build "$build" -j"$(nproc)" >"$build/package_build.log" 2>&1 || { cat "$build/package_build.log"; exit 1; }
rm -f "$build"/aimcsim_*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { cat "$build/cpack.log"; exit 1; }
deb=$(ls "$build"/aimcsim_*.deb)
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) kB; $(dpkg-deb -f "$deb" Depends)"
if dpkg-query -W -f='${Status}' aimcsim 2>/dev/null | grep -q "install ok installed"; then
  echo "test_package: aimcsim is installed already; remove it first (apt-get remove aimcsim)" >&2
  exit 1
fi

work=$(mktemp -d)
cleanup() {
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get purge -y -qq aimcsim >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
cd "$work"
# Only the installed files: no build folder on any path.
unset PYTHONPATH AIMCSIM_CLI
/usr/bin/aimcsim --version
/usr/bin/aimcsim run /usr/share/aimcsim/configs/hermes64.yaml --out default --quiet
/usr/bin/python3 - <<'PY'
import json
with open("default/report.json") as f:
    r = json.load(f)
assert r["name"] == "hermes64" and r["chip"]["tiles"] == 64, r.get("chip")
assert r["accuracy"]["top1_analog"] > 0.5, r["accuracy"]
print(f"default run: {r['name']}, top-1 {r['accuracy']['top1_analog']:.4f} at {r['accuracy']['t_inference_s']} s")
PY
/usr/bin/python3 -c "
import aimcsim
assert aimcsim.__file__.startswith('/usr/lib/'), aimcsim.__file__
print('python: aimcsim', aimcsim.__version__, 'peak TOPS', aimcsim.run('/usr/share/aimcsim/configs/hermes_core.yaml')['tile']['peak_tops'])"
test -f /usr/include/aimcsim/plugin.h && test -f /usr/lib/cmake/aimcsim/aimcsimConfig.cmake
test -f /usr/share/doc/aimcsim/README.md && test -f /usr/share/doc/aimcsim/copyright
echo "test_package: ok"
