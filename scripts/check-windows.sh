#!/usr/bin/env bash
# Compiles the Windows sources with mingw-w64 (the posture logic and its Win32 adapters:
# registry, firewall service, WMI; the Windows service's logic and its SCM adapters), with
# the project's warnings as errors. Nothing is run:
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
# agent/idle_code.cc: portable, with a Win32 branch.
for source in collectors/windows/*.cc agent/windows/*.cc agent/idle_code.cc; do
  echo "== $cxx $source"
  "$cxx" "${flags[@]}" -c "$source" -o "$out/$(basename "$source" .cc).o"
done
# The service adapters also link, with a body that does not run the agent (the agent itself
# needs gRPC, abseil and Boost built for Windows), so every Win32 import resolves.
echo "== $cxx link tests/windows/service_link_check.cc"
"$cxx" "${flags[@]}" tests/windows/service_link_check.cc "$out"/service_*.o "$out"/scm_win32.o \
  "$out"/secure_dir_win32.o -o "$out/service_link_check.exe" -static -ladvapi32 -lshell32 \
  -lole32 -luuid

# The agent's own files that have _WIN32 branches for the service (main.cc: the service
# command around RunAgent; state_dir.cc: the ACL; stop_request.cc) need abseil, Boost and gRPC,
# which Debian has for Linux only. Their headers are portable, so these files are checked
# for syntax and types against them, with the posix-threads mingw-w64 (std::mutex), but not
# compiled to objects or linked. run.cc is not among them: it still waits for SIGHUP.
posix=x86_64-w64-mingw32-g++-posix
if command -v "$posix" >/dev/null && [ -d /usr/include/absl ] && [ -d /usr/include/boost ] &&
  [ -d /usr/include/grpcpp ]; then
  mkdir "$out/include"
  for dir in absl boost google grpc grpc++ grpcpp; do
    if [ -e "/usr/include/$dir" ]; then ln -s "/usr/include/$dir" "$out/include/$dir"; fi
  done
  for source in agent/main.cc agent/state_dir.cc agent/stop_request.cc; do
    echo "== $posix -fsyntax-only $source"
    "$posix" "${flags[@]}" -DCANDOR_VERSION='"check"' -isystem "$out/include" -fsyntax-only \
      "$source"
  done
else
  echo "check-windows: $posix or the abseil, Boost and gRPC headers missing; agent/main.cc" \
    "and agent/state_dir.cc not checked" >&2
fi
echo "== the Windows sources compile and the service adapters link"
