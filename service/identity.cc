#include "service/identity.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "grpc/grpc_security_constants.h"

namespace candor::service {
namespace {

constexpr absl::string_view kScheme = "candor://";

bool IsIdPart(absl::string_view part) {
  if (part.empty() || part.size() > 64) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::optional<DeviceIdentity> ParseDeviceUri(absl::string_view uri) {
  if (!absl::StartsWith(uri, kScheme)) return std::nullopt;
  const std::vector<absl::string_view> parts = absl::StrSplit(uri.substr(kScheme.size()), '/');
  if (parts.size() != 4 || parts[0] != "tenant" || parts[2] != "device") return std::nullopt;
  if (!IsIdPart(parts[1]) || !IsIdPart(parts[3])) return std::nullopt;
  if (parts[1] == "." || parts[1] == ".." || parts[3] == "." || parts[3] == "..") {
    return std::nullopt;
  }
  return DeviceIdentity{std::string(parts[1]), std::string(parts[3])};
}

absl::StatusOr<DeviceIdentity> IdentityFromAuthContext(const grpc::AuthContext& auth) {
  if (!auth.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  std::optional<DeviceIdentity> identity;
  int candor_uris = 0;
  for (const grpc::string_ref& value : auth.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    const absl::string_view uri(value.data(), value.size());
    if (!absl::StartsWith(uri, kScheme)) continue;
    ++candor_uris;
    identity = ParseDeviceUri(uri);
  }
  if (candor_uris != 1 || !identity) {
    return absl::UnauthenticatedError(
        "client certificate must carry exactly one URI SAN "
        "candor://tenant/<tenant>/device/<id>");
  }
  return *identity;
}

}  // namespace candor::service
