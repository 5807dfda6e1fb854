#include "config/device_identity.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace candor::config {

bool IsIdentityPart(absl::string_view part) {
  if (part.empty() || part.size() > 64 || part == "." || part == "..") return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string DeviceUri(const DeviceIdentity& device) {
  return absl::StrCat(kIdentityScheme, "tenant/", device.tenant, "/device/", device.device_id);
}

std::optional<DeviceIdentity> ParseDeviceUri(absl::string_view uri) {
  if (!absl::StartsWith(uri, kIdentityScheme)) return std::nullopt;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(uri.substr(kIdentityScheme.size()), '/');
  if (parts.size() != 4 || parts[0] != "tenant" || parts[2] != "device") return std::nullopt;
  if (!IsIdentityPart(parts[1]) || !IsIdentityPart(parts[3])) return std::nullopt;
  return DeviceIdentity{std::string(parts[1]), std::string(parts[3])};
}

}  // namespace candor::config
