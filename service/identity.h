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

// Parses "candor://tenant/<tenant>/device/<id>". Both parts are 1-64 characters of
// letters, digits, '-', '_' and '.'. nullopt for anything else.
std::optional<DeviceIdentity> ParseDeviceUri(absl::string_view uri);

// The identity of the peer of a call authenticated with mutual TLS: exactly one candor://
// URI SAN in the verified client certificate. kUnauthenticated otherwise.
absl::StatusOr<DeviceIdentity> IdentityFromAuthContext(const grpc::AuthContext& auth);

}  // namespace candor::service
