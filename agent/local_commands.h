#pragma once

// The commands any local user runs to see what the agent does on this device, reading only
// state_dir/public (public_dir.h): explain, ledger and status. They change nothing and need
// no privileges.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

namespace candor::agent {

struct LocalCommandOptions {
  std::filesystem::path state_dir;
  std::string format = "text";  // "text" or "json"
};

// Explains the policy in force (state_dir/public/policy.yaml), or `policy_file` when given.
// Exit code: 0, 1 when the policy cannot be read, 2 for a bad option.
int RunExplainCommand(const LocalCommandOptions& options,
                      const std::optional<std::filesystem::path>& policy_file, std::ostream& out,
                      std::ostream& err);

// Prints every event the server acknowledged since `since` ("24h", an RFC 3339 time; every
// one kept when absent), oldest first, as text or JSON lines.
int RunLedgerCommand(const LocalCommandOptions& options, const std::optional<std::string>& since,
                     std::ostream& out, std::ostream& err);

// Prints the running agent's status (state_dir/public/status.json), saying when the agent
// that wrote it is no longer running.
int RunStatusCommand(const LocalCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace candor::agent
