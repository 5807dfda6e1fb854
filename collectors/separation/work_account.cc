#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collectors/admins.h"
#include "collectors/separation/checks.h"
#include "collectors/separation/household.h"

namespace candor::collectors::separation {
namespace {

std::vector<std::string> Names(const std::vector<Account>& accounts) {
  std::vector<std::string> names;
  for (const Account& a : accounts) names.push_back(a.name);
  return names;
}

}  // namespace

const config::CollectorSpec& WorkAccount::spec() const {
  static const config::CollectorSpec kSpec = SeparationSpec(
      "work_account", "Whether the work account exists and is a normal user account.",
      {"the work account's name, UID range and shell"});
  return kSpec;
}

CheckResult WorkAccount::Collect(const HostView& host, const config::Params& params) const {
  const Household household = ReadHousehold(host, WorkAccountsOf(params));
  if (auto unusable = Unusable(household, params, false)) return *unusable;
  CheckResult result;
  std::vector<std::string> abnormal;
  const auto [uid_min, uid_max] = UserUidRange(host);
  for (const Account& a : household.work) {
    if (!IsInteractive(host, a, uid_min, uid_max)) abnormal.push_back(a.name);
  }
  result.facts["work_accounts_found"] = Names(household.work);
  result.facts["missing"] = static_cast<int64_t>(household.missing.size());
  result.facts["not_normal"] = static_cast<int64_t>(abnormal.size());
  result.facts["personal_accounts"] = static_cast<int64_t>(household.personal.size());
  if (!household.missing.empty()) {
    result.status = CheckStatus::kFail;
    result.reason =
        absl::StrCat("no work account ", absl::StrJoin(household.missing, ", "), " on this device");
  } else if (!abnormal.empty()) {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(absl::StrJoin(abnormal, ", "),
                                 " is not a normal user account (a system UID, no login shell "
                                 "or no home directory)");
  } else {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat("work account ", absl::StrJoin(Names(household.work), ", "),
                                 " is a normal account; ", household.personal.size(),
                                 " other interactive account(s)");
  }
  return result;
}

const config::CollectorSpec& WorkAccountNotAdmin::spec() const {
  static const config::CollectorSpec kSpec =
      SeparationSpec("work_account_not_admin", "Whether the work account can become root.",
                     {"administrator group membership of the work account"});
  return kSpec;
}

CheckResult WorkAccountNotAdmin::Collect(const HostView& host, const config::Params& params) const {
  const Household household = ReadHousehold(host, WorkAccountsOf(params));
  if (auto unusable = Unusable(household, params, true)) return *unusable;
  const std::set<std::string> admins = AdminAccounts(host, household.all);
  std::vector<std::string> work_admins;
  for (const Account& a : household.work) {
    if (admins.count(a.name) != 0) work_admins.push_back(a.name);
  }
  CheckResult result;
  result.facts["work_admins"] = work_admins;
  if (work_admins.empty()) {
    result.status = CheckStatus::kPass;
    result.reason = "the work account cannot become root";
  } else {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(absl::StrJoin(work_admins, ", "),
                                 " can become root (sudo, admin or wheel, or sudoers)");
  }
  return result;
}

const config::CollectorSpec& PersonalAccountsNotAdmin::spec() const {
  static const config::CollectorSpec kSpec =
      SeparationSpec("personal_accounts_not_admin",
                     "Whether any account other than the work account can become root.",
                     {"number of other accounts that can become root (pseudonyms, never names)"});
  return kSpec;
}

CheckResult PersonalAccountsNotAdmin::Collect(const HostView& host,
                                              const config::Params& params) const {
  const Household household = ReadHousehold(host, WorkAccountsOf(params));
  if (auto unusable = Unusable(household, params, false)) return *unusable;
  const std::set<std::string> admins = AdminAccounts(host, household.all);
  std::vector<std::string> pseudonyms;
  int64_t personal = 0;
  int64_t other = 0;
  for (const std::string& name : admins) {
    const bool work = std::any_of(household.work.begin(), household.work.end(),
                                  [&](const Account& a) { return a.name == name; });
    if (work) continue;
    const bool interactive = std::any_of(household.personal.begin(), household.personal.end(),
                                         [&](const Account& a) { return a.name == name; });
    (interactive ? personal : other) += 1;
    pseudonyms.push_back(Pseudonym(host, name));
  }
  CheckResult result;
  result.facts["personal_admins"] = personal;
  result.facts["other_admins"] = other;
  result.facts["admin_pseudonyms"] = pseudonyms;
  if (personal + other == 0) {
    result.status = CheckStatus::kPass;
    result.reason = "no account besides the work account and root can become root";
  } else {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(personal, " personal and ", other,
                                 " other account(s) can become root, and so read the work "
                                 "account's files");
  }
  return result;
}

}  // namespace candor::collectors::separation
