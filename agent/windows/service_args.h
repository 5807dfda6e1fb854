#pragma once

// `candor-agent service install|uninstall|run`: the command line, parsed the same way on
// every system so that Linux prints a clear error for a mistyped command before saying the
// command is Windows-only, and so that the parsing is unit-tested here. Standard library
// only (it builds with mingw-w64 too).

#include <optional>
#include <string>
#include <vector>

namespace candor::agent::windows {

enum class ServiceAction {
  kInstall,    // register CandorAgent with the Service Control Manager
  kUninstall,  // stop it and remove it (the state in ProgramData stays)
  kRun,        // what the SCM starts: run the agent under the service dispatcher
  kHelp,
};

struct ServiceArgs {
  ServiceAction action = ServiceAction::kHelp;
  // --config FILE (install, run); empty: %ProgramData%\Candor\agent.yaml.
  std::string config;
};

struct ServiceArgsOrError {
  std::optional<ServiceArgs> args;
  std::string error;  // set when args is not, ready to print after "candor-agent service: "
};

// `args`: what follows "service" on the command line.
ServiceArgsOrError ParseServiceArgs(const std::vector<std::string>& args);

}  // namespace candor::agent::windows
