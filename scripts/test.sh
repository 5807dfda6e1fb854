#!/usr/bin/env bash
# Builds Candor and runs the whole test suite twice: a normal build (benchmarks are built
# too, so they keep compiling), then a build with AddressSanitizer and
# UndefinedBehaviorSanitizer in a separate directory; then fuzzes the policy loader for a
# bounded time (FUZZ_SECONDS, default 60; scripts/fuzz.sh), and compiles the Windows sources
# with mingw-w64 (scripts/check-windows.sh). As root it also builds the Debian packages,
# installs them here and purges them (tests/package/install_test.sh).
# The PostgreSQL cases run against a throwaway cluster (scripts/pg-cluster.sh) started here
# and stopped on exit; CANDOR_TEST_POSTGRES tells the tests where it is.
# Exits non-zero on any failure. Usage: scripts/test.sh [--no-sanitizers]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"

pg_dir=$(mktemp -d /tmp/candor-pg.XXXXXX)
trap '"$root/scripts/pg-cluster.sh" stop "$pg_dir"' EXIT
CANDOR_TEST_POSTGRES=$("$root/scripts/pg-cluster.sh" start "$pg_dir")
export CANDOR_TEST_POSTGRES
echo "== PostgreSQL for tests: $CANDOR_TEST_POSTGRES"

jobs=$(nproc)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

build_and_test() { # dir, cmake args...
  local dir=$1
  shift
  echo "== configure $dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
  echo "== build $dir"
  cmake --build "$dir" -j "$jobs"
  echo "== test $dir"
  (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 300)
}

echo "== clang-format check"
if ! git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror; then
  echo "clang-format: files above need formatting (clang-format -i)" >&2
  exit 1
fi

build_and_test build -DCANDOR_BENCH=ON
# The Debian packages, installed on this machine and purged again (root only; CI runs on a
# throwaway Debian 12 machine). CANDOR_PACKAGE_TEST=0 skips it.
if [[ "${CANDOR_PACKAGE_TEST:-1}" != "0" ]]; then
  echo "== package install test"
  "$root/tests/package/install_test.sh" "$root/build"
fi
"$root/scripts/check-windows.sh"
if [[ "${1:-}" != "--no-sanitizers" ]]; then
  # detect_leaks stays on: a leak is a failure like any other.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  # Third-party leaks only, each explained in the file.
  export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  build_and_test build-asan -DCANDOR_SANITIZE=ON
  "$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}"
fi
echo "== all tests passed"
