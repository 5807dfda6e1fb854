#pragma once

// RegistryStore: what the server knows besides events: tenants, enrollment tokens (only
// their SHA-256), enrolled devices (certificate, revocation, last contact) and the audit
// log of admin calls. Thread-safe; every write is one transaction.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace candor::service {

// Times in the registry are milliseconds since 1970 (UTC).
inline int64_t UnixMillis(std::chrono::system_clock::time_point t) {
  return absl::ToUnixMillis(absl::FromChrono(t));
}

struct TokenRecord {
  std::string hash;  // SHA-256 of the token, hex; the token itself is never stored
  std::string tenant;
  std::string group;  // empty: none
  int64_t uses_left = 0;
  int64_t expires_at_ms = 0;
  std::string created_by;
  int64_t created_at_ms = 0;
};

struct DeviceRecord {
  std::string device_id;
  std::string tenant;
  std::string group;
  int64_t enrolled_at_ms = 0;
  std::string cert_serial;
  int64_t cert_not_after_ms = 0;
  std::optional<int64_t> revoked_at_ms;
  int64_t last_contact_ms = 0;  // 0: never connected
  std::string agent_version;
  uint64_t policy_version = 0;
};

struct AuditRecord {
  int64_t at_ms = 0;
  std::string actor;    // "alice (tenant-admin of acme)"
  std::string tenant;   // the tenant acted on, empty when none
  std::string action;   // "token.create", "device.revoke", ...
  std::string detail;   // what was asked, without secrets
  std::string outcome;  // "ok", or the refusal
};

// A signed policy as an admin pushed it; the server cannot check or change the signature.
struct PolicyRecord {
  std::string tenant;
  uint64_t version = 0;  // metadata.version; rises per tenant
  std::string group;     // empty: the whole tenant
  std::string name;      // metadata.name
  std::string yaml;      // the signed bytes
  std::string key_id;
  std::string signature;
  std::string pushed_by;
  int64_t pushed_at_ms = 0;
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // kAlreadyExists when it exists.
  virtual absl::Status CreateTenant(const std::string& tenant, int64_t now_ms) = 0;
  virtual absl::StatusOr<bool> TenantExists(const std::string& tenant) = 0;
  virtual absl::StatusOr<std::vector<std::string>> Tenants() = 0;

  virtual absl::Status AddToken(const TokenRecord& token) = 0;
  // The token with this hash; kNotFound when unknown.
  virtual absl::StatusOr<TokenRecord> FindToken(const std::string& token_hash) = 0;
  // Takes one use of the token whose hash is `token_hash` and records `device` under the
  // token's tenant and group, in one transaction. kNotFound for an unknown token,
  // kFailedPrecondition when it has expired or is used up (nothing is changed then).
  // Returns the device as recorded.
  virtual absl::StatusOr<DeviceRecord> EnrollDevice(const std::string& token_hash,
                                                    DeviceRecord device, int64_t now_ms) = 0;

  // nullopt when the device was never recorded.
  virtual absl::StatusOr<std::optional<DeviceRecord>> Device(const std::string& device_id) = 0;
  // Every device of `tenant` (every device when empty), by tenant and id.
  virtual absl::StatusOr<std::vector<DeviceRecord>> Devices(const std::string& tenant) = 0;
  // kNotFound when the device is unknown. Revoking twice keeps the first time.
  virtual absl::Status RevokeDevice(const std::string& device_id, int64_t now_ms) = 0;
  virtual absl::Status UpdateCertificate(const std::string& device_id, const std::string& serial,
                                         int64_t not_after_ms) = 0;
  // A hello from a device: records it when unknown (a certificate from the CA made outside
  // enrollment, e.g. scripts/dev-pki.sh), its last contact, agent and policy version.
  virtual absl::Status RecordContact(const std::string& device_id, const std::string& tenant,
                                     int64_t now_ms, const std::string& agent_version,
                                     uint64_t policy_version) = 0;

  // Stores a pushed policy. kFailedPrecondition when its version is not newer than every
  // version the tenant already has (for any group), so no device is offered a rollback.
  virtual absl::Status AddPolicy(const PolicyRecord& policy) = 0;
  // The tenant's policies, newest first; with `latest_per_group`, only the newest of each
  // group (and of the whole tenant, group "").
  virtual absl::StatusOr<std::vector<PolicyRecord>> Policies(const std::string& tenant,
                                                             bool latest_per_group) = 0;
  // The policy version a device reported as applied.
  virtual absl::Status RecordPolicyVersion(const std::string& device_id, uint64_t version) = 0;

  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;
  // The newest `limit` records about `tenant` (every tenant when empty), oldest first.
  virtual absl::StatusOr<std::vector<AuditRecord>> Audit(const std::string& tenant,
                                                         size_t limit) = 0;
};

}  // namespace candor::service
