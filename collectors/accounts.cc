#include "collectors/accounts.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace candor::collectors {

std::vector<Account> ParsePasswd(absl::string_view text) {
  std::vector<Account> accounts;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    if (f.size() != 7 || f[0].empty() || f[0].front() == '+' || f[0].front() == '-') continue;
    Account account;
    account.name = std::string(f[0]);
    if (!absl::SimpleAtoi(f[2], &account.uid) || !absl::SimpleAtoi(f[3], &account.gid)) continue;
    account.home = std::string(f[5]);
    account.shell = std::string(f[6]);
    accounts.push_back(std::move(account));
  }
  return accounts;
}

std::vector<Group> ParseGroup(absl::string_view text) {
  std::vector<Group> groups;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const std::vector<absl::string_view> f = absl::StrSplit(line, ':');
    if (f.size() != 4 || f[0].empty()) continue;
    Group group;
    group.name = std::string(f[0]);
    if (!absl::SimpleAtoi(f[2], &group.gid)) continue;
    for (absl::string_view member : absl::StrSplit(f[3], ',', absl::SkipWhitespace())) {
      group.members.emplace_back(member);
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<Account> ReadAccounts(const HostView& host) {
  absl::StatusOr<std::string> text = host.ReadFile("/etc/passwd", 4 << 20);
  return text.ok() ? ParsePasswd(*text) : std::vector<Account>{};
}

std::vector<Group> ReadGroups(const HostView& host) {
  absl::StatusOr<std::string> text = host.ReadFile("/etc/group", 4 << 20);
  return text.ok() ? ParseGroup(*text) : std::vector<Group>{};
}

}  // namespace candor::collectors
