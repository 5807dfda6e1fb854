# Warnings for Candor's own targets only; generated protobuf code and third-party headers
# are compiled without -Werror so a library update cannot break the build.
add_library(candor_warnings INTERFACE)
target_compile_options(candor_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wnon-virtual-dtor -Woverloaded-virtual
  # GCC 12 warns when a C++20 designated initializer leaves members to their defaults,
  # which is what designated initializers are for (GCC 13 no longer does).
  -Wno-missing-field-initializers)

# candor_target(NAME): applies the project's warnings to a target of our own.
function(candor_target name)
  target_link_libraries(${name} PRIVATE candor_warnings)
endfunction()
