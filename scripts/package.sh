#!/usr/bin/env bash
# Builds the Debian packages candor-agent and candor-server (CPack, packaging/) and prints
# the paths of the .deb files, one a line.
# Usage: scripts/package.sh [--build-dir DIR]
#   default: a Release tree in build-release/; --build-dir reuses an existing tree as it is
#   configured (tests/package/install_test.sh packages the test build this way).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-release"
build_type=(-DCMAKE_BUILD_TYPE=Release -DCANDOR_BUILD_TESTS=OFF)
if [[ "${1:-}" == "--build-dir" ]]; then
  build=$(realpath "$2")
  build_type=()
elif [[ $# -gt 0 ]]; then
  echo "usage: scripts/package.sh [--build-dir DIR]" >&2
  exit 2
fi
"$root/scripts/setup.sh"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" "${build_type[@]}" "${launcher[@]}" -DCMAKE_INSTALL_PREFIX=/usr \
  >/dev/null
cmake --build "$build" -j "$(nproc)" --target candor-agent candor-server candorctl >&2
rm -rf "$build/packages"
(cd "$build" && cpack -G DEB -B "$build/packages" >&2)
ls "$build"/packages/*.deb
