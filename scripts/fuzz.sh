#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time:
#   policy_fuzzer        the policy loader, seeded with the policy corpus and the examples
#   host_parsers_fuzzer  every parser of host files (dconf databases, apt.conf, sudoers,
#                        mountinfo, INI, os-release, passwd/group, nft JSON, iptables-save),
#                        seeded with the fixture host trees
# Exits non-zero when a fuzzer finds a crash, a leak, a hang or undefined behaviour (the
# reproducer is left in build-fuzz/).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; FUZZ_SECONDS also works)
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
cmake --build "$build" -j "$(nproc)" --target policy_fuzzer host_parsers_fuzzer

mkdir -p "$build/corpus/policy" "$build/corpus/host"
cp tests/data/policies/good/*.yaml tests/data/policies/bad/*.yaml config/examples/*.yaml \
  "$build/corpus/policy/"
find tests/data/hosts -type f -size -64k -exec sh -c \
  'for f; do cp "$f" "$0/$(echo "$f" | tr / _)"; done' "$build/corpus/host" {} +
# Inputs that once crashed a parser stay in the corpus.
cp tests/data/fuzz/host/* "$build/corpus/host/"

run() { # target corpus
  echo "== fuzzing $1 for ${seconds}s"
  (cd "$build" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "./tests/$1" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$2" 2>&1 | tail -n 8)
}
run policy_fuzzer corpus/policy
run host_parsers_fuzzer corpus/host
echo "== fuzzing found nothing"
