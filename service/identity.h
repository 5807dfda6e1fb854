#pragma once

// Who is calling, taken from the TLS client certificate and nothing else: a device (URI SAN
// candor://tenant/<tenant>/device/<device-id>, config/device_identity.h) or an admin.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/device_identity.h"
#include "grpcpp/security/auth_context.h"

namespace candor::service {

using config::DeviceIdentity;
using config::DeviceUri;
using config::IsIdentityPart;
using config::ParseDeviceUri;

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

// The admin calling, from the verified client certificate. kPermissionDenied for a device's
// or any other certificate, kUnauthenticated without one.
absl::StatusOr<AdminIdentity> AdminFromAuthContext(const grpc::AuthContext& auth);

// The identity of the peer of a call authenticated with mutual TLS: exactly one candor://
// URI SAN in the verified client certificate. kUnauthenticated otherwise.
absl::StatusOr<DeviceIdentity> IdentityFromAuthContext(const grpc::AuthContext& auth);

}  // namespace candor::service
