#pragma once

// The part of the agent's state every local user may read: state_dir/public holds the
// policy in force (policy.yaml), the agent's status (status.json) and the ledger of what was
// sent (ledger/). It holds nothing the server was not sent or did not send.
//
// state_dir itself is mode 0711 so that local users can reach public/ without listing or
// reading anything else: every other file there (spool, keys, cursor) is 0600, and
// identity/ and collector-state/ are 0700.

#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace candor::agent {

// state_dir/public.
std::filesystem::path PublicDir(const std::filesystem::path& state_dir);

// Makes state_dir (already prepared by PrepareStateDir) enterable by other users and creates
// public/ (0755) and public/ledger/ (0755). kFailedPrecondition when public/ is a symbolic
// link, not a directory or owned by another user.
absl::Status PreparePublicDir(const std::filesystem::path& state_dir);

// Replaces public/`name` with `content`, readable by everyone (0644), atomically.
absl::Status WritePublicFile(const std::filesystem::path& state_dir, const std::string& name,
                             absl::string_view content);

}  // namespace candor::agent
