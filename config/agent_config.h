#pragma once

// The agent's local configuration file (where the server is, its TLS files, where state
// lives, which policy to run). Documented in docs/operations.md.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/host_port.h"
#include "config/policy_signature.h"

namespace candor::config {

// Default: the identity `candor-agent enroll` stored in state_dir/identity (ca.pem,
// device.pem, device.key).
struct AgentTlsFiles {
  std::filesystem::path ca;    // CA that issued the server's certificate
  std::filesystem::path cert;  // this device's client certificate
  std::filesystem::path key;   // its private key
};

// Where enrollment keeps the device's key, certificate, CA and ids.
std::filesystem::path IdentityDir(const std::filesystem::path& state_dir);

struct SpoolSettings {
  // Bound on the spool's files; when full, the oldest unsent events are dropped (and a
  // spool_dropped event says which).
  uint64_t max_bytes = uint64_t{256} << 20;
  // Longest time between appending an event and fsyncing it (group commit).
  std::chrono::milliseconds sync_interval{200};
};

// The ledger: a readable copy of every event the server acknowledged, for the employee
// (`candor-agent ledger`). Entries older than max_age go; past max_bytes the oldest go.
struct LedgerSettings {
  std::chrono::seconds max_age{30 * 86400};
  uint64_t max_bytes = uint64_t{16} << 20;
};

// The agent's own budget (docs/operations.md, "Resource limits"). The watchdog stops a check
// whose thread uses more than cpu_percent of one core over `window`, or that grew the agent's
// resident memory while the agent is over memory_bytes; a stopped check, or one the agent
// died running, waits `cooldown` (doubling on each repeat) before it runs again.
struct LimitsSettings {
  uint64_t memory_bytes = uint64_t{64} << 20;
  int cpu_percent = 20;
  std::chrono::seconds window{60};
  std::chrono::seconds cooldown{3600};
};

struct AgentConfig {
  HostPort server;
  AgentTlsFiles tls;
  std::filesystem::path state_dir;
  // The local policy file; empty: only policies pushed by the server (none until the first).
  std::filesystem::path policy;
  // Admin keys whose signed policies this agent accepts from the server (policy_keys, each
  // "ed25519:..." from candorctl keys create). Empty: pushed policies are refused.
  std::vector<PolicyKey> policy_keys;
  // How long --once waits to reach the server and have every event acknowledged.
  std::chrono::seconds connect_timeout{10};
  // Longest wait between delivery attempts while the server is unreachable.
  std::chrono::seconds reconnect_max_backoff{300};
  SpoolSettings spool;
  LedgerSettings ledger;
  LimitsSettings limits;
};

// Loads and validates an agent config. Relative paths are taken relative to the directory
// of the config file. Errors list every problem with file, line and column.
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::filesystem::path& path);

}  // namespace candor::config
