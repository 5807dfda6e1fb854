#include "collectors/admins.h"

#include "collectors/sudoers.h"

namespace candor::collectors {
namespace {

constexpr const char* kAdminGroups[] = {"sudo", "admin", "wheel"};

}  // namespace

std::set<std::string> AdminAccounts(const HostView& host, const std::vector<Account>& accounts) {
  const std::vector<Group> groups = ReadGroups(host);
  const SudoGrants sudo = ReadSudoGrants(host);
  std::set<std::string> admin_groups(std::begin(kAdminGroups), std::end(kAdminGroups));
  admin_groups.insert(sudo.groups.begin(), sudo.groups.end());
  std::set<int64_t> admin_gids;
  std::set<std::string> admins = sudo.users;
  for (const Group& group : groups) {
    if (admin_groups.count(group.name) == 0) continue;
    admin_gids.insert(group.gid);
    admins.insert(group.members.begin(), group.members.end());
  }
  for (const Account& account : accounts) {
    if (admin_gids.count(account.gid) != 0 || account.uid == 0) admins.insert(account.name);
  }
  admins.erase("root");
  return admins;
}

}  // namespace candor::collectors
