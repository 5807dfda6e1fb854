#include "collectors/posture/local_admins.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "collectors/accounts.h"
#include "collectors/admins.h"

namespace candor::collectors::posture {
namespace {

std::string Accounts(size_t n) { return absl::StrCat(n, n == 1 ? " account" : " accounts"); }

}  // namespace

const config::CollectorSpec& LocalAdmins::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "local_admins",
      .description = "Which local accounts can become administrator (root).",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"number of administrator accounts"},
      .params = {{.name = "allowed_admins",
                  .type = config::ParamType::kStringList,
                  .description = "Accounts allowed to be administrators.",
                  .default_value = std::vector<std::string>{},
                  .min = 0,
                  .max = 64}},
  };
  return kSpec;
}

CheckResult LocalAdmins::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  const std::vector<Account> accounts = ReadAccounts(host);
  if (accounts.empty()) {
    result.status = CheckStatus::kError;
    result.reason = "cannot read the local accounts (/etc/passwd)";
    return result;
  }
  const std::set<std::string> admins = AdminAccounts(host, accounts);

  const auto& allowed = std::get<std::vector<std::string>>(params.at("allowed_admins"));
  std::vector<std::string> allowed_found;
  size_t unexpected = 0;
  for (const std::string& admin : admins) {
    if (std::find(allowed.begin(), allowed.end(), admin) != allowed.end()) {
      allowed_found.push_back(admin);
    } else {
      ++unexpected;
    }
  }
  result.facts["admin_count"] = static_cast<int64_t>(admins.size());
  result.facts["unexpected_count"] = static_cast<int64_t>(unexpected);
  result.facts["allowed_admins_found"] = allowed_found;
  if (unexpected == 0) {
    result.status = CheckStatus::kPass;
    result.reason = admins.empty() ? "no account besides root can become root"
                                   : absl::StrCat(Accounts(admins.size()),
                                                  " can become root, all of them allowed");
  } else {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat(Accounts(admins.size()), " can become root; ", unexpected,
                                 unexpected == 1 ? " is" : " are", " not in allowed_admins");
  }
  return result;
}

}  // namespace candor::collectors::posture
