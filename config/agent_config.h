#pragma once

// The agent's local configuration file (where the server is, its TLS files, where state
// lives, which policy to run). Documented in docs/operations.md.

#include <chrono>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "config/host_port.h"

namespace candor::config {

struct AgentTlsFiles {
  std::filesystem::path ca;    // CA that issued the server's certificate
  std::filesystem::path cert;  // this device's client certificate
  std::filesystem::path key;   // its private key
};

struct AgentConfig {
  HostPort server;
  AgentTlsFiles tls;
  std::filesystem::path state_dir;
  std::filesystem::path policy;
  // How long --once waits to reach the server and have every event acknowledged.
  std::chrono::seconds connect_timeout{10};
};

// Loads and validates an agent config. Relative paths are taken relative to the directory
// of the config file. Errors list every problem with file, line and column.
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::filesystem::path& path);

}  // namespace candor::config
