#pragma once

// Registers and removes the CandorAgent service with the Service Control Manager, carrying
// out an InstallPlan (service_logic.h). Windows only; both need an elevated administrator.

#include <string>

#include "agent/windows/service_logic.h"

namespace candor::agent::windows {

// Creates the plan's directories (SecureDirectory), then the service (LocalSystem, own
// process, automatic start) with its description, delayed start and recovery actions. When
// any of the configuration steps fails the new service is deleted again, so a failed
// install leaves no half-configured service. False with `error` set otherwise; an existing
// service is an error (uninstall first).
bool InstallService(const InstallPlan& plan, std::string* error);

// Stops the service when it runs (waiting up to 30 seconds) and deletes it. The
// directories and their content (config, spool, identity) stay. False with `error` set.
bool UninstallService(const std::string& service_name, std::string* error);

}  // namespace candor::agent::windows
