# Warnings for Candor's own targets only; generated protobuf code and third-party headers
# are compiled without -Werror so a library update cannot break the build.
add_library(candor_warnings INTERFACE)
target_compile_options(candor_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wnon-virtual-dtor -Woverloaded-virtual)

# candor_target(NAME): applies the project's warnings to a target of our own.
function(candor_target name)
  target_link_libraries(${name} PRIVATE candor_warnings)
endfunction()
