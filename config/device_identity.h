#pragma once

// A device's identity as its certificate names it: the URI SAN
// candor://tenant/<tenant>/device/<device-id>. Shared by the server (which takes a
// stream's identity from it) and the agent (which takes its own tenant from it).

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::config {

inline constexpr absl::string_view kIdentityScheme = "candor://";

struct DeviceIdentity {
  std::string tenant;
  std::string device_id;

  std::string ToString() const { return tenant + "/" + device_id; }
};

// Whether `part` may be a tenant, device id or admin name: 1-64 letters, digits, '-', '_',
// '.', not "." or "..".
bool IsIdentityPart(absl::string_view part);

std::string DeviceUri(const DeviceIdentity& device);

// Parses "candor://tenant/<tenant>/device/<id>" (both parts IsIdentityPart). nullopt for
// anything else.
std::optional<DeviceIdentity> ParseDeviceUri(absl::string_view uri);

}  // namespace candor::config
