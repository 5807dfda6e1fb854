#!/usr/bin/env bash
# Installs every build and test dependency of Candor from Debian 12's packages.
# Idempotent and quiet: does nothing when everything is already installed.
# Runs as root, or through sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libyaml-cpp-dev libsqlite3-dev sqlite3 libpq-dev postgresql libssl-dev openssl
  liblz4-dev zlib1g-dev libdpkg-dev rpm libsystemd-dev
  dpkg-dev systemd  # packages: dpkg-shlibdeps; systemd-analyze verify
  systemd-container  # tests/package: the units run under a booted systemd (nspawn)
  nlohmann-json3-dev libboost-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev lynis g++-mingw-w64-x86-64
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
