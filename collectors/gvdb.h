#pragma once

// Reader for GVDB, the file format of dconf databases (GNOME's settings: the per-user
// ~/.config/dconf/user and the system databases in /etc/dconf/db). Only what settings
// need: every key's full path and its value when it is a boolean, an integer or a string.
// The file comes from a user's home directory, so every offset is checked.

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::collectors {

using GvdbValue = std::variant<bool, int64_t, std::string>;

// "/org/gnome/desktop/session/idle-delay" -> value. Values of other types are left out.
// kInvalidArgument for a file that is not a little-endian GVDB file or is damaged.
absl::StatusOr<std::map<std::string, GvdbValue>> ReadGvdb(absl::string_view data);

}  // namespace candor::collectors
