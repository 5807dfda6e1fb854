#!/usr/bin/env bash
# Compiles the Windows sources with mingw-w64 (the posture logic and its Win32 adapters:
# registry, firewall service, WMI), with the project's warnings as errors. Nothing is run:
# there is no Windows here (docs/architecture.md says what has and has not been run).
# Skips, saying so, when the cross compiler is not installed (scripts/setup.sh installs it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cxx=x86_64-w64-mingw32-g++
if ! command -v "$cxx" >/dev/null; then
  echo "check-windows: $cxx not installed; skipping" >&2
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers
  -DUNICODE -D_UNICODE -DWIN32_LEAN_AND_MEAN -I "$root")
for source in collectors/windows/*.cc; do
  echo "== $cxx $source"
  "$cxx" "${flags[@]}" -c "$source" -o "$out/$(basename "$source" .cc).o"
done
echo "== the Windows sources compile"
