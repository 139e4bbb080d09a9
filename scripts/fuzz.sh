#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz and runs each for a
# bounded time on its seed corpus in fuzz/corpus/<target>/. Exits non-zero when a
# target crashes; the input that did it is in build-fuzz/artifacts/<target>/ (fix
# the bug, then add that input to the seed corpus).
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
# The mutation seed is fixed (FUZZ_SEED, default 1) so that CI is reproducible: a slower
# machine runs a prefix of the same input sequence, so a longer clean local run with the
# same seed covers CI's. Hunt for new bugs with FUZZ_SEED=0 (random) and a long time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
seed=${FUZZ_SEED:-1}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config sweep onnx)

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: installing clang and libFuzzer"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
build="$here/build-fuzz"
CXX=clang++ CC=clang cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DAIMCSIM_FUZZ=ON \
  -DAIMCSIM_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
status=0
for t in "${targets[@]}"; do
  work="$build/corpus/$t" artifacts="$build/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  case $t in onnx) max_len=65536 ;; *) max_len=8192 ;; esac
  log="$build/fuzz_$t.log"
  # New inputs go to the work corpus; the checked-in seeds are only read.
  if "$build/fuzz/fuzz_$t" "$work" "$here/fuzz/corpus/$t" -max_total_time="$seconds" -seed="$seed" -timeout=30 \
      -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$artifacts" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH status=1
    grep -m1 -A12 "ERROR:\|runtime error\|uncaught exception\|deadly signal\|timeout" "$log" || tail -20 "$log"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz_$t: $result, ${runs:-?} executions in ${seconds} s (${rate:-?} exec/s), $cov, corpus $(ls "$work" | wc -l) files"
done
exit $status
