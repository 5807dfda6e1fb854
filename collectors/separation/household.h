#pragma once

// Who uses a shared home PC, as the separation checks see it: the work account(s) the
// policy names (by name or UID), and every other interactive account (a UID from
// /etc/login.defs' UID_MIN up to UID_MAX, a login shell, an existing home directory),
// which counts as personal. Personal accounts are never named in evidence: they appear as
// counts, or as pseudonyms (HMAC-SHA-256 of the name with a random per-device key kept in
// the agent's state, so the same account has the same pseudonym on this device and cannot
// be linked across devices).

#include <optional>
#include <string>
#include <vector>

#include "collectors/accounts.h"
#include "collectors/collector.h"
#include "collectors/host_view.h"
#include "config/catalog.h"

namespace candor::collectors::separation {

struct Household {
  std::vector<Account> work;         // the named work accounts that exist
  std::vector<std::string> missing;  // named in the policy, not on the device
  std::vector<Account> personal;     // every other interactive account
  std::vector<Account> all;          // /etc/passwd, for group lookups
  bool readable = true;              // false when /etc/passwd could not be read
};

// `work_accounts`: names or decimal UIDs, as the policy lists them.
Household ReadHousehold(const HostView& host, const std::vector<std::string>& work_accounts);

bool IsInteractive(const HostView& host, const Account& account, int64_t uid_min, int64_t uid_max);

// UID_MIN and UID_MAX from /etc/login.defs (1000 and 60000 when absent).
std::pair<int64_t, int64_t> UserUidRange(const HostView& host);

// "p-" and 12 hex digits; stable per device when the host has a state store.
std::string Pseudonym(const HostView& host, const std::string& account_name);

// The spec of a separation check: Linux, `work_accounts` as its parameter.
config::CollectorSpec SeparationSpec(std::string id, std::string description,
                                     std::vector<std::string> data_categories);

// The work accounts the check's parameters name.
const std::vector<std::string>& WorkAccountsOf(const config::Params& params);

// The result to give when the check cannot judge: ERROR when the policy names no work
// account or the accounts cannot be read; with `need_work`, FAIL when no named work account
// exists. nullopt when the check can go on.
std::optional<CheckResult> Unusable(const Household& household, const config::Params& params,
                                    bool need_work);

}  // namespace candor::collectors::separation
