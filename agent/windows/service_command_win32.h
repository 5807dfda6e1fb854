#pragma once

// `candor-agent service install|uninstall|run` on Windows: finds the agent's own path and
// %ProgramData%, then installs (MakeInstallPlan, InstallService), uninstalls, or runs the
// agent under the SCM (RunService). Windows only.

#include <functional>
#include <ostream>
#include <string>

#include "agent/windows/service_args.h"
#include "agent/windows/service_win32.h"

namespace candor::agent::windows {

// From main.cc, which has the agent: the body that runs the agent with this config file.
using ServiceBodyFactory = std::function<ServiceBody(const std::string& config)>;

// The command's exit code: 0, 1 when Windows refused (the reason on `err`), 2 for usage.
int RunServiceCommand(const ServiceArgs& args, const ServiceBodyFactory& make_body,
                      std::ostream& out, std::ostream& err);

}  // namespace candor::agent::windows
