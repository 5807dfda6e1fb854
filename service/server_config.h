#pragma once

// candor-server's configuration file. Documented in docs/operations.md.

#include <chrono>
#include <filesystem>
#include <optional>

#include "absl/status/statusor.h"
#include "config/host_port.h"

namespace candor::service {

struct ServerTlsFiles {
  std::filesystem::path cert;       // the server's certificate chain
  std::filesystem::path key;        // its private key
  std::filesystem::path client_ca;  // CA whose device certificates are accepted
};

// How fast one device may send; past it, batches are refused with RESOURCE_EXHAUSTED and
// the agent backs off.
struct DeviceLimits {
  int64_t events_per_second = 2000;  // 0: no limit
  int64_t burst = 20000;             // at least one full batch
};

// The CA that signs devices' certificates at enrollment and renewal. Without it the
// server takes no enrollments (devices need certificates made elsewhere).
struct EnrollmentSettings {
  bool enabled = false;
  std::filesystem::path ca_cert;
  std::filesystem::path ca_key;
  std::chrono::seconds certificate_lifetime{30 * 86400};
};

struct ServerConfig {
  config::HostPort listen;  // port 0 picks a free port
  ServerTlsFiles tls;
  EnrollmentSettings enrollment;
  std::filesystem::path storage;  // SQLite database file
  DeviceLimits device_limits;
  // How long event history is kept (reports use each device's latest results, kept
  // regardless).
  std::chrono::seconds retention{90 * 86400};
  // Where Prometheus scrapes GET /metrics, plain HTTP; nullopt: off ("metrics_listen: off").
  std::optional<config::HostPort> metrics_listen = config::HostPort{"127.0.0.1", 9464};
};

// Relative paths are taken relative to the config file's directory. Every problem is
// reported with file, line and column.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::filesystem::path& path);

}  // namespace candor::service
