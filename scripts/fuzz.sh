#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time,
# seeded with the policy corpus and the shipped examples. Exits non-zero when the fuzzer
# finds a crash, a leak or undefined behaviour (the reproducer is left in build-fuzz/).
# Usage: scripts/fuzz.sh [SECONDS]   (default 60; FUZZ_SECONDS also works)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-${FUZZ_SECONDS:-60}}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not installed (scripts/setup.sh installs it); skipping" >&2
  exit 0
fi

build=build-fuzz
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCANDOR_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target policy_fuzzer

corpus="$build/corpus/policy"
mkdir -p "$corpus"
cp tests/data/policies/good/*.yaml tests/data/policies/bad/*.yaml config/examples/*.yaml "$corpus/"
echo "== fuzzing the policy loader for ${seconds}s"
cd "$build"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ./tests/policy_fuzzer -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 corpus/policy 2>&1 | tail -n 25
echo "== fuzzing found nothing"
