#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "collectors/host_view.h"

namespace candor::collectors {

// The names (/proc/PID/comm, at most 15 characters) of the processes running on the host.
// Only names: never command lines, arguments or owners. Processes that exit while being
// read are skipped.
std::set<std::string> RunningProcessNames(const HostView& host);

// The same for the processes whose real user is `uid` (the Uid line of /proc/PID/status).
std::set<std::string> RunningProcessNamesOf(const HostView& host, int64_t uid);

}  // namespace candor::collectors
