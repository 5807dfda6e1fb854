#pragma once

// A device's identity, taken from its TLS client certificate and nothing else: the URI SAN
// candor://tenant/<tenant>/device/<device-id>.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/auth_context.h"

namespace candor::service {

struct DeviceIdentity {
  std::string tenant;
  std::string device_id;

  std::string ToString() const { return tenant + "/" + device_id; }
};

enum class AdminRole { kMspAdmin, kTenantAdmin, kAnalyst };
std::string RoleName(AdminRole role);  // "msp-admin", "tenant-admin", "analyst"

// An administrator, from their admin client certificate: URI SAN
// candor://admin/<name>/role/msp-admin, or candor://admin/<name>/role/<tenant-admin|analyst>
// /tenant/<tenant> (tenant roles are bound to one tenant).
struct AdminIdentity {
  std::string name;
  AdminRole role = AdminRole::kAnalyst;
  std::string tenant;  // empty for msp-admin

  // Whether this admin may act on `tenant` at all.
  bool CoversTenant(absl::string_view t) const {
    return role == AdminRole::kMspAdmin || t == tenant;
  }
  std::string ToString() const;  // "alice (tenant-admin of acme)"
};

std::optional<AdminIdentity> ParseAdminUri(absl::string_view uri);
std::string AdminUri(const AdminIdentity& admin);
std::string DeviceUri(const DeviceIdentity& device);

// Whether `part` may be a tenant, device id or admin name: 1-64 letters, digits, '-', '_',
// '.', not "." or "..".
bool IsIdentityPart(absl::string_view part);

// The admin calling, from the verified client certificate. kPermissionDenied for a device's
// or any other certificate, kUnauthenticated without one.
absl::StatusOr<AdminIdentity> AdminFromAuthContext(const grpc::AuthContext& auth);

// Parses "candor://tenant/<tenant>/device/<id>". Both parts are 1-64 characters of
// letters, digits, '-', '_' and '.'. nullopt for anything else.
std::optional<DeviceIdentity> ParseDeviceUri(absl::string_view uri);

// The identity of the peer of a call authenticated with mutual TLS: exactly one candor://
// URI SAN in the verified client certificate. kUnauthenticated otherwise.
absl::StatusOr<DeviceIdentity> IdentityFromAuthContext(const grpc::AuthContext& auth);

}  // namespace candor::service
