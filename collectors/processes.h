#pragma once

#include <set>
#include <string>

#include "collectors/host_view.h"

namespace candor::collectors {

// The names (/proc/PID/comm, at most 15 characters) of the processes running on the host.
// Only names: never command lines, arguments or owners. Processes that exit while being
// read are skipped.
std::set<std::string> RunningProcessNames(const HostView& host);

}  // namespace candor::collectors
