#pragma once

// Who can become root on a Linux host: members of sudo, admin and wheel (listed in
// /etc/group, or by primary group), accounts and groups that sudoers grants ALL, and any
// account with UID 0. root itself is not included. Shared by local_admins and the
// work/personal separation checks.

#include <set>
#include <string>
#include <vector>

#include "collectors/accounts.h"
#include "collectors/host_view.h"

namespace candor::collectors {

std::set<std::string> AdminAccounts(const HostView& host, const std::vector<Account>& accounts);

}  // namespace candor::collectors
