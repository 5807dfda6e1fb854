#pragma once

// The agent's identity: `candor-agent enroll` makes a private key here (mode 0600; it never
// leaves the device), sends a CSR with the bootstrap token over server-authenticated TLS,
// and keeps what the server answers in state_dir/identity:
//   device.key  device.pem  ca.pem  device.json ({"tenant", "device_id"})
// Renew() trades the current certificate for a fresh one (new key) over mutual TLS, at
// about two thirds of its life.

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "config/agent_config.h"
#include "grpcpp/security/credentials.h"

namespace candor::agent {

struct EnrollOptions {
  std::string server;  // HOST:PORT
  std::filesystem::path ca;
  std::string token;
  std::filesystem::path state_dir;
  std::string agent_version;
  std::chrono::seconds timeout{30};
  bool replace = false;  // enroll again over an existing identity
};

struct DeviceId {
  std::string tenant;
  std::string device_id;
};

// kAlreadyExists when state_dir already holds an identity (and not `replace`);
// kPermissionDenied with the server's reason for a refused token.
absl::StatusOr<DeviceId> Enroll(const EnrollOptions& options);

// Whether the certificate at `cert` is past two thirds of its life at `now` (or unreadable).
bool NeedsRenewal(const std::filesystem::path& cert, std::chrono::system_clock::time_point now);

// A key and certificate are replaced as a pair: <name>.new files first, then renames. Run
// before the pair is read: completes a replacement a crash interrupted (or drops a key
// whose certificate never arrived), so the key and certificate always match.
absl::Status FinishPendingIdentity(const std::filesystem::path& key_path,
                                   const std::filesystem::path& cert_path);

// The CA, certificate and key named in `files`: TLS with this device's identity.
absl::StatusOr<grpc::SslCredentialsOptions> ReadTlsFiles(const config::AgentTlsFiles& files);

// Renews the certificate named in `config` (state_dir/identity by default) with a fresh key;
// the old files stay until the new ones are written.
absl::Status Renew(const config::AgentConfig& config, std::chrono::seconds timeout);

}  // namespace candor::agent
