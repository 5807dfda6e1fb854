#!/bin/sh
# Link launcher for candor-agent (cmake/BundledDeps.cmake): runs the link command it is
# given ("c++ ... -o candor-agent ...") with the C++ libraries named below taken from their
# static archives, which Debian's -dev packages ship next to the shared ones, and the C++
# runtime linked statically. The agent then maps its own copy of the gRPC, protobuf and
# abseil code it uses instead of whole shared libraries that nothing else on a laptop maps.
# OpenSSL, c-ares, zlib, liblz4, libsystemd and glibc stay shared, so Debian's security
# updates to them reach the agent without a new agent package. docs/architecture.md says why.
set -eu
bundled=' grpc++ grpc gpr upb address_sorting re2 protobuf yaml-cpp boost_program_options '
compiler=$1
started=0
for arg in "$@"; do
  if [ "$started" = 0 ]; then  # the compiler: start the new command line
    set --
    started=1
  fi
  name=
  case "$arg" in
    -l*) name=${arg#-l} ;;
    /*/lib*.so | /*/lib*.so.*)
      name=${arg##*/lib}
      name=${name%%.so*}
      ;;
  esac
  bundle=0
  case "$bundled" in *" $name "*) bundle=1 ;; esac
  case "$name" in absl_*) bundle=1 ;; esac
  if [ -n "$name" ] && [ "$bundle" = 1 ]; then
    archive=${arg%/*}/lib$name.a
    [ -f "$archive" ] || archive=$("$compiler" -print-file-name="lib$name.a")
    if [ ! -f "$archive" ]; then
      echo "bundle-link.sh: lib$name.a not found (is its -dev package installed?)" >&2
      exit 1
    fi
    set -- "$@" "$archive"
  else
    set -- "$@" "$arg"
  fi
done
exec "$@" -static-libstdc++ -static-libgcc
