#pragma once

// Who sudo lets run any command as root, from /etc/sudoers and /etc/sudoers.d (the files
// sudo reads: names without '.' and not ending in '~'). A grant counts when its command
// list contains ALL. User_Alias names are expanded; Host, Runas and Cmnd aliases narrow a
// grant in ways this reading does not evaluate, so it errs towards counting the grant.

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "collectors/host_view.h"

namespace candor::collectors {

struct SudoGrants {
  std::set<std::string> users;   // accounts granted ALL by name
  std::set<std::string> groups;  // groups granted ALL (%group)
};

void ParseSudoers(absl::string_view text, SudoGrants& grants);
SudoGrants ReadSudoGrants(const HostView& host);

}  // namespace candor::collectors
