#pragma once

// Every connected agent holds one socket in the server. A server started by hand inherits
// the shell's soft limit on open files (often 1,024), while the hard limit is usually far
// higher; the systemd unit sets LimitNOFILE=65536 for both.

#include <cstdint>

namespace candor::service {

// Raises this process's soft limit on open files to its hard limit; returns the limit now
// in force.
uint64_t RaiseOpenFileLimit();

// Below this many open files, the server warns at start that 10,000 agents cannot connect.
inline constexpr uint64_t kOpenFilesForAFleet = 10'240;

}  // namespace candor::service
