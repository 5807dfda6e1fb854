#pragma once

#include <filesystem>

#include "absl/status/status.h"

namespace candor::agent {

// Makes sure `dir` is a safe place for the agent's state (spool, keys): creates it with
// mode 0700 when missing; refuses (kFailedPrecondition, saying why) a symlink, a
// non-directory, a directory owned by another user, or one writable by group or others.
// On Windows: creates it, or takes an existing one owned by SYSTEM or Administrators, with
// a protected DACL for SYSTEM and Administrators only (windows::kStateDirSddl); refuses a
// junction, a symbolic link or a folder another account owns.
absl::Status PrepareStateDir(const std::filesystem::path& dir);

}  // namespace candor::agent
