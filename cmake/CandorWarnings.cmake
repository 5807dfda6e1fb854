# Warnings for Candor's own targets only; generated protobuf code and third-party headers
# are compiled without -Werror so a library update cannot break the build.
add_library(candor_warnings INTERFACE)
target_compile_options(candor_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wnon-virtual-dtor -Woverloaded-virtual
  # GCC 12 warns when a C++20 designated initializer leaves members to their defaults,
  # which is what designated initializers are for (GCC 13 no longer does).
  -Wno-missing-field-initializers
  # GCC 12 at -O3 (Release) reports overlapping memcpy inside libstdc++'s
  # `"literal" + std::string` (GCC bug 105651, fixed in 13): a false positive that kept
  # the tests from building in Release. Other configurations keep the warning, and the
  # sanitizer build checks for real overlaps at run time.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>,$<CONFIG:Release>>:-Wno-restrict>)

# candor_target(NAME): applies the project's warnings to a target of our own.
function(candor_target name)
  target_link_libraries(${name} PRIVATE candor_warnings)
endfunction()
