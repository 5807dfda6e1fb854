#pragma once

// A directory only LocalSystem and Administrators can use: %ProgramData%\Candor at install
// and the agent's state_dir at every start. Windows only.

#include <string>

namespace candor::agent::windows {

// Creates `path` (its parent must exist) with the security descriptor `sddl`
// (kStateDirSddl), or, when it exists, checks that it is a real directory (not a junction
// or symbolic link, which could send the agent's keys elsewhere) owned by LocalSystem or
// Administrators (ProgramData lets any user create folders: one made in advance by a user
// is refused, as PrepareStateDir refuses one owned by another uid on Linux) and replaces
// its DACL with the descriptor's, protected, which Windows propagates to what is inside.
// False with `error` set (what failed and Windows' reason) otherwise.
bool SecureDirectory(const std::string& path, const std::string& sddl, std::string* error);

}  // namespace candor::agent::windows
