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
    include/aimcsim/core/* | aimcsim/core/* | src/core/*) echo core ;;
    aimcsim/device.h | aimcsim/adc.h | aimcsim/tile.h | aimcsim/topology.h | aimcsim/plugin.h | \
      include/aimcsim/device.h | include/aimcsim/adc.h | include/aimcsim/tile.h | \
      include/aimcsim/topology.h | include/aimcsim/plugin.h) echo model_interfaces ;;
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
    src/app/* | src/sweep/* | apps/*) echo application ;;
    *) echo other ;;
  esac
}

# The parts each part may include (its own part is always allowed).
allowed() {
  case $1 in
    core) echo "" ;;
    model_interfaces) echo "core" ;;
    network) echo "core" ;;
    models) echo "core model_interfaces" ;;
    adc) echo "core model_interfaces" ;;
    digital) echo "core" ;;
    interconnect) echo "core model_interfaces" ;;
    tiles) echo "core model_interfaces models adc digital" ;;
    import) echo "core network" ;;
    mapping) echo "core network model_interfaces" ;;
    functional) echo "core network model_interfaces digital mapping import" ;;
    chip) echo "core network model_interfaces digital interconnect tiles mapping functional" ;;
    application) echo "core network model_interfaces models adc digital interconnect tiles import mapping functional chip" ;;
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
  'interconnect/*' 'apps/*' | grep -E '\.(h|cpp)$')

# Core names no physics: no device, ADC, tile or topology model by name.
if grep -n -i -E '\b(pcm|hermes|cco|crossbar|mesh2d)\b' $(git ls-files 'src/core/*' 'include/aimcsim/core/*'); then
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
