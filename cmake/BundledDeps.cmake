# candor_bundle_deps(TARGET): links TARGET (an executable) with gRPC, protobuf, abseil,
# re2, yaml-cpp and Boost.Program_options from their static archives and the C++ runtime
# statically, through the link launcher cmake/bundle-link.sh. OpenSSL, c-ares, zlib, liblz4,
# libsystemd and glibc stay shared. Used for candor-agent, whose resident memory on a laptop
# is mostly the pages of those libraries (docs/benchmarks.md, "Agent footprint"); see
# docs/architecture.md. CANDOR_BUNDLE_AGENT_DEPS=OFF links everything shared; sanitizer
# builds do, as their runtimes expect one shared C++ runtime.
option(CANDOR_BUNDLE_AGENT_DEPS
       "Link candor-agent with gRPC, protobuf and abseil from their static archives" ON)

function(candor_bundle_deps target)
  if(CANDOR_BUNDLE_AGENT_DEPS AND NOT CANDOR_SANITIZE AND NOT CANDOR_FUZZ AND NOT WIN32)
    set_property(TARGET ${target} PROPERTY RULE_LAUNCH_LINK
                                           "${PROJECT_SOURCE_DIR}/cmake/bundle-link.sh")
  endif()
endfunction()
