#!/usr/bin/env bash
# The house's structural rules, checked (docs/architecture.md, "Parts and arrows"):
# every quoted #include of every part lands in a part that part may use; core names no
# device, ADC, tile or topology model; no C++ source file is over 700 lines. Prints each
# breach with its file and line and exits 1 if there is one.
# Usage: scripts/check_structure.sh [REPO_DIR]
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$repo"

# part_of PATH: the part a file (or an include target) belongs to.
part_of() {
  case $1 in
    # plugin.h (the plugin entry point and ABI version) depends on core only.
    include/aimcsim/core/* | aimcsim/core/* | src/core/* | aimcsim/plugin.h | include/aimcsim/plugin.h) echo core ;;
    aimcsim/device.h | aimcsim/adc.h | aimcsim/tile.h | aimcsim/topology.h | aimcsim/chip_link.h | \
      include/aimcsim/device.h | include/aimcsim/adc.h | include/aimcsim/tile.h | \
      include/aimcsim/topology.h | include/aimcsim/chip_link.h) echo model_interfaces ;;
    # The table of random-stream purposes: a list of numbers any part above core may use.
    aimcsim/random_streams.h | include/aimcsim/random_streams.h) echo streams ;;
    aimcsim/network.h | include/aimcsim/network.h | src/network/*) echo network ;;
    models/*) echo models ;;
    adc/*) echo adc ;;
    digital/*) echo digital ;;
    tiles/*) echo tiles ;;
    interconnect/*) echo interconnect ;;
    src/import/*) echo import ;;
    src/mapping/*) echo mapping ;;
    src/functional/*) echo functional ;;
    src/chip/*) echo chip ;;
    src/system/*) echo system ;;
    # python/: the Python module's bindings, a front end like the command line.
    src/app/* | src/sweep/* | apps/* | python/*) echo application ;;
    *) echo other ;;
  esac
}

# The parts each part may include (its own part is always allowed).
allowed() {
  case $1 in
    core) echo "" ;;
    streams) echo "core" ;;
    model_interfaces) echo "streams core" ;;
    network) echo "streams core" ;;
    models) echo "streams core model_interfaces" ;;
    adc) echo "streams core model_interfaces" ;;
    digital) echo "streams core" ;;
    interconnect) echo "streams core model_interfaces" ;;
    tiles) echo "streams core model_interfaces models adc digital" ;;
    import) echo "streams core network" ;;
    mapping) echo "streams core network model_interfaces" ;;
    functional) echo "streams core network model_interfaces digital mapping import" ;;
    chip) echo "streams core network model_interfaces digital interconnect tiles mapping functional" ;;
    system) echo "streams core network model_interfaces digital interconnect tiles mapping functional chip" ;;
    application) echo "streams core network model_interfaces models adc digital interconnect tiles import mapping functional chip system" ;;
    *) echo "*" ;;
  esac
}

bad=0
while IFS= read -r file; do
  from=$(part_of "$file")
  ok=$(allowed "$from")
  [ "$ok" = "*" ] && continue
  while IFS=: read -r line target; do
    to=$(part_of "$target")
    [ "$to" = other ] && continue  # a system or third-party header
    [ "$to" = "$from" ] && continue
    case " $ok " in *" $to "*) continue ;; esac
    echo "$file:$line: $from -> $to ($target): not an allowed arrow"
    bad=1
  done < <(grep -n '^#include "' "$file" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
done < <(git ls-files 'include/*.h' 'src/*.h' 'src/*.cpp' 'models/*' 'adc/*' 'digital/*' 'tiles/*' \
  'interconnect/*' 'apps/*' 'python/*' | grep -E '\.(h|cpp)$')

# Core names no physics: no device, ADC, tile or topology model by name.
if grep -n -i -E '\b(pcm|hermes|cco|crossbar|mesh2d)\b' $(git ls-files 'src/core/*' 'include/aimcsim/core/*' 'include/aimcsim/plugin.h'); then
  echo "core names a model (above): core must know no physics"
  bad=1
fi
# Small modules: a file over 700 lines does more than one job.
while IFS= read -r file; do
  n=$(wc -l <"$file")
  if [ "$n" -gt 700 ]; then
    echo "$file: $n lines (at most 700): split it by job"
    bad=1
  fi
done < <(git ls-files '*.h' '*.cpp')
[ $bad -eq 0 ] && echo "structure: every include follows an allowed arrow, core names no model, no file over 700 lines"
exit $bad
