#pragma once

// Shared by the agent (spool cursor, policy, identity) and collectors (their state store).

#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace candor::config {

// Replaces `dir`/`name` with `content` so that a crash leaves either the old or the new
// file, never a mix: write a temporary file, fsync it, rename it over, fsync the directory.
// Mode `mode` (0600 unless the file is for every local user to read). kUnavailable for a
// full disk or an I/O error.
absl::Status WriteFileAtomically(const std::filesystem::path& dir, const std::string& name,
                                 absl::string_view content, unsigned mode = 0600);

}  // namespace candor::config
