// Not a program to run: scripts/check-windows.sh links this with the Windows service
// adapters (agent/windows/*.cc) and mingw-w64's import libraries to prove that every Win32
// function they call resolves (advapi32, shell32, ole32, uuid). The real body runs the
// agent (agent/main.cc), which cannot be linked for Windows here (docs/windows.md).

#include <iostream>
#include <string>
#include <vector>

#include "agent/windows/service_args.h"
#include "agent/windows/service_command_win32.h"

int main(int argc, char** argv) {
  namespace cw = candor::agent::windows;
  const cw::ServiceArgsOrError parsed = cw::ParseServiceArgs({argv + 1, argv + argc});
  if (!parsed.args) {
    std::cerr << parsed.error << "\n";
    return 2;
  }
  return cw::RunServiceCommand(
      *parsed.args,
      [](const std::string&) {
        return cw::ServiceBody{.run = [] { return 0; }, .request_stop = [](const std::string&) {}};
      },
      std::cout, std::cerr);
}
