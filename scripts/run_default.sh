#!/usr/bin/env bash
# The main job: set up, build, and run the default simulation, printing the report.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build"
exec "$here/build/aimcsim" run "$here/configs/hermes64.yaml" --out "$here/out/default" "$@"
