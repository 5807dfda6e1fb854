#include "service/identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "grpc/grpc_security_constants.h"

namespace candor::service {
namespace {

constexpr absl::string_view kScheme = config::kIdentityScheme;

// The candor:// URIs of a verified peer certificate (none without one).
std::vector<absl::string_view> CandorUris(const grpc::AuthContext& auth) {
  std::vector<absl::string_view> uris;
  for (const grpc::string_ref& value : auth.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    const absl::string_view uri(value.data(), value.size());
    if (absl::StartsWith(uri, kScheme)) uris.push_back(uri);
  }
  return uris;
}

}  // namespace

std::string RoleName(AdminRole role) {
  switch (role) {
    case AdminRole::kMspAdmin:
      return "msp-admin";
    case AdminRole::kTenantAdmin:
      return "tenant-admin";
    case AdminRole::kAnalyst:
      return "analyst";
  }
  return "analyst";
}

std::string AdminIdentity::ToString() const {
  return role == AdminRole::kMspAdmin ? name + " (msp-admin)"
                                      : name + " (" + RoleName(role) + " of " + tenant + ")";
}

std::optional<AdminIdentity> ParseAdminUri(absl::string_view uri) {
  if (!absl::StartsWith(uri, kScheme)) return std::nullopt;
  const std::vector<absl::string_view> parts = absl::StrSplit(uri.substr(kScheme.size()), '/');
  if (parts.size() < 4 || parts[0] != "admin" || parts[2] != "role") return std::nullopt;
  AdminIdentity admin;
  if (!IsIdentityPart(parts[1])) return std::nullopt;
  admin.name = std::string(parts[1]);
  if (parts[3] == "msp-admin" && parts.size() == 4) {
    admin.role = AdminRole::kMspAdmin;
    return admin;
  }
  if (parts.size() != 6 || parts[4] != "tenant" || !IsIdentityPart(parts[5])) return std::nullopt;
  if (parts[3] == "tenant-admin") {
    admin.role = AdminRole::kTenantAdmin;
  } else if (parts[3] == "analyst") {
    admin.role = AdminRole::kAnalyst;
  } else {
    return std::nullopt;
  }
  admin.tenant = std::string(parts[5]);
  return admin;
}

std::string AdminUri(const AdminIdentity& admin) {
  std::string uri = std::string(kScheme) + "admin/" + admin.name + "/role/" + RoleName(admin.role);
  if (admin.role != AdminRole::kMspAdmin) uri += "/tenant/" + admin.tenant;
  return uri;
}

absl::StatusOr<AdminIdentity> AdminFromAuthContext(const grpc::AuthContext& auth) {
  if (!auth.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("the admin API needs an admin client certificate");
  }
  const std::vector<absl::string_view> uris = CandorUris(auth);
  std::optional<AdminIdentity> admin;
  if (uris.size() == 1) admin = ParseAdminUri(uris[0]);
  if (!admin) {
    return absl::PermissionDeniedError(
        "not an admin certificate (URI SAN candor://admin/<name>/role/<role>[/tenant/<tenant>])");
  }
  return *admin;
}

absl::StatusOr<DeviceIdentity> IdentityFromAuthContext(const grpc::AuthContext& auth) {
  if (!auth.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  const std::vector<absl::string_view> uris = CandorUris(auth);
  std::optional<DeviceIdentity> identity;
  if (uris.size() == 1) identity = ParseDeviceUri(uris[0]);
  if (!identity) {
    return absl::UnauthenticatedError(
        "client certificate must carry exactly one URI SAN "
        "candor://tenant/<tenant>/device/<id>");
  }
  return *identity;
}

}  // namespace candor::service
