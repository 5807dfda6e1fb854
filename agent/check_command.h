#pragma once

// `candor-agent check`: runs checks once on this device (or on a host tree) and prints the
// results. It sends nothing and writes nothing. The JSON output is documented in
// docs/operations.md.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace candor::agent {

struct CheckOptions {
  std::optional<std::filesystem::path> policy;  // default: every collector, defaults
  std::vector<std::string> only;                // check ids; empty means all
  std::string format = "table";                 // "table" or "json"
  std::filesystem::path host_root = "/";
};

// Exit code: 0 when the checks ran (whatever their verdicts), 1 for a bad policy or an
// unknown --only id, 2 for a bad --format or a --host-root that is not a directory.
int RunCheckCommand(const CheckOptions& options, std::ostream& out, std::ostream& err);

}  // namespace candor::agent
