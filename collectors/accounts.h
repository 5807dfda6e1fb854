#pragma once

// Local accounts and groups from /etc/passwd and /etc/group. Malformed lines are skipped.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "collectors/host_view.h"

namespace candor::collectors {

struct Account {
  std::string name;
  int64_t uid = -1;
  int64_t gid = -1;
  std::string home;
  std::string shell;
};

struct Group {
  std::string name;
  int64_t gid = -1;
  std::vector<std::string> members;
};

std::vector<Account> ParsePasswd(absl::string_view text);
std::vector<Group> ParseGroup(absl::string_view text);

// Empty when the file cannot be read.
std::vector<Account> ReadAccounts(const HostView& host);
std::vector<Group> ReadGroups(const HostView& host);

}  // namespace candor::collectors
