#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::config {

// "host:port", "[v6addr]:port". Host names are letters, digits, '-' and '.'.
struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;

  // Back in the form gRPC takes ("[::1]:443" for IPv6 literals).
  std::string ToString() const;
};

std::optional<HostPort> ParseHostPort(absl::string_view text);

}  // namespace candor::config
