#pragma once

// candor-server's configuration file. Documented in docs/operations.md.

#include <filesystem>

#include "absl/status/statusor.h"
#include "config/host_port.h"

namespace candor::service {

struct ServerTlsFiles {
  std::filesystem::path cert;       // the server's certificate chain
  std::filesystem::path key;        // its private key
  std::filesystem::path client_ca;  // CA whose device certificates are accepted
};

struct ServerConfig {
  config::HostPort listen;  // port 0 picks a free port
  ServerTlsFiles tls;
  std::filesystem::path storage;  // SQLite database file
};

// Relative paths are taken relative to the config file's directory. Every problem is
// reported with file, line and column.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::filesystem::path& path);

}  // namespace candor::service
