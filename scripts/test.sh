#!/usr/bin/env bash
# Set up, build and run the whole test suite through ctest.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh" "$here/build"
cd "$here/build"
ctest --output-on-failure -j"$(nproc)" --timeout 600
