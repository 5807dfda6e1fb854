#pragma once

// `candor-server init` and `candor-server admin-cert`: a new installation's PKI without any
// openssl command. init makes, in a new directory: the CA (ca.pem, ca.key), the server's
// certificate (server.pem, server.key; SANs localhost, 127.0.0.1 and every --host), the
// first msp-admin's certificate (<name>.pem, <name>.key) and a server.yaml using them.
// admin-cert issues further admin certificates from the CA of an existing config.
// Keys are written with mode 0600; nothing existing is ever overwritten.

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "service/identity.h"

namespace candor::service {

struct InitOptions {
  std::filesystem::path dir;
  std::vector<std::string> hosts;  // DNS names or IP addresses agents use to reach the server
  std::string listen = "0.0.0.0:7443";
  std::string metrics_listen = "127.0.0.1:9464";  // Prometheus endpoint, loopback only
  std::string admin = "admin";
  std::chrono::seconds ca_lifetime{10 * 365 * 86400};
  std::chrono::seconds server_lifetime{397 * 86400};
  std::chrono::seconds admin_lifetime{90 * 86400};
};

// Prints what it made and the next steps to `out`.
absl::Status InitServer(const InitOptions& options, std::ostream& out);

struct AdminCertOptions {
  std::filesystem::path config;  // the server's config (its enrollment CA)
  AdminIdentity admin;
  std::filesystem::path out_dir;
  std::chrono::seconds lifetime{90 * 86400};
};

absl::Status IssueAdminCertificate(const AdminCertOptions& options, std::ostream& out);

}  // namespace candor::service
