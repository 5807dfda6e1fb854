#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::config {

// Reads a small file whole (configs, policies, certificates, keys). `what` names it in
// errors ("tls.ca /etc/candor/ca.pem: cannot read: No such file or directory").
// kNotFound when it cannot be read; kInvalidArgument when it is larger than `max_bytes`,
// checked before reading.
absl::StatusOr<std::string> ReadBoundedFile(const std::filesystem::path& path, size_t max_bytes,
                                            absl::string_view what = "");

}  // namespace candor::config
