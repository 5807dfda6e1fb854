#include "collectors/separation/household.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace candor::collectors::separation {
namespace {

constexpr absl::string_view kKeyName = "separation.pseudonym_key";

}  // namespace

std::pair<int64_t, int64_t> UserUidRange(const HostView& host) {
  int64_t min = 1000;
  int64_t max = 60000;
  absl::StatusOr<std::string> defs = host.ReadFile("/etc/login.defs", 1 << 20);
  if (!defs.ok()) return {min, max};
  for (absl::string_view line : absl::StrSplit(*defs, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() < 2) continue;
    int64_t value = 0;
    if (!absl::SimpleAtoi(words[1], &value)) continue;
    if (words[0] == "UID_MIN") min = value;
    if (words[0] == "UID_MAX") max = value;
  }
  return {min, max};
}

namespace {

// The device's pseudonym key: from the state store (created there on first use), else a
// key for this run only.
std::string PseudonymKey(const HostView& host) {
  if (StateStore* store = host.state(); store != nullptr) {
    if (std::optional<std::string> key = store->Load(kKeyName);
        key && key->size() == 64 && std::all_of(key->begin(), key->end(), [](char c) {
          return absl::ascii_isxdigit(static_cast<unsigned char>(c));
        })) {
      return absl::HexStringToBytes(*key);
    }
    std::string raw(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), 32) == 1 &&
        store->Save(kKeyName, absl::BytesToHexString(raw)).ok()) {
      return raw;
    }
  }
  static const std::string kRunKey = [] {
    std::string raw(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), 32);
    return raw;
  }();
  return kRunKey;
}

}  // namespace

bool IsInteractive(const HostView& host, const Account& a, int64_t uid_min, int64_t uid_max) {
  return a.uid >= uid_min && a.uid <= uid_max && a.uid != 65534 &&
         !absl::EndsWith(a.shell, "nologin") && !absl::EndsWith(a.shell, "/false") &&
         !a.home.empty() && host.Exists(a.home);
}

Household ReadHousehold(const HostView& host, const std::vector<std::string>& work_accounts) {
  Household household;
  household.all = ReadAccounts(host);
  household.readable = !household.all.empty();
  const auto [uid_min, uid_max] = UserUidRange(host);
  // A work account is named by its name or its UID.
  auto names = [](const std::string& wanted, const Account& a) {
    int64_t uid = 0;
    return wanted == a.name || (absl::SimpleAtoi(wanted, &uid) && uid == a.uid);
  };
  for (const std::string& wanted : work_accounts) {
    if (std::none_of(household.all.begin(), household.all.end(),
                     [&](const Account& a) { return names(wanted, a); })) {
      household.missing.push_back(wanted);
    }
  }
  for (const Account& a : household.all) {
    if (std::any_of(work_accounts.begin(), work_accounts.end(),
                    [&](const std::string& wanted) { return names(wanted, a); })) {
      household.work.push_back(a);
    } else if (IsInteractive(host, a, uid_min, uid_max)) {
      household.personal.push_back(a);
    }
  }
  return household;
}

std::string Pseudonym(const HostView& host, const std::string& account_name) {
  const std::string key = PseudonymKey(host);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(account_name.data()), account_name.size(), digest,
       &length);
  return "p-" + absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 6));
}

namespace {

config::ParamSpec WorkAccountsParam() {
  return {.name = "work_accounts",
          .type = config::ParamType::kStringList,
          .description =
              "The work account(s), by name or UID; every other interactive "
              "account counts as personal.",
          .default_value = std::vector<std::string>{},
          .min = 0,
          .max = 16};
}

}  // namespace

config::CollectorSpec SeparationSpec(std::string id, std::string description,
                                     std::vector<std::string> data_categories) {
  return config::CollectorSpec{.id = std::move(id),
                               .description = std::move(description),
                               .platforms = {config::Platform::kLinux},
                               .data_categories = std::move(data_categories),
                               .params = {WorkAccountsParam()}};
}

const std::vector<std::string>& WorkAccountsOf(const config::Params& params) {
  return std::get<std::vector<std::string>>(params.at("work_accounts"));
}

std::optional<CheckResult> Unusable(const Household& household, const config::Params& params,
                                    bool need_work) {
  CheckResult result;
  result.status = CheckStatus::kError;
  if (WorkAccountsOf(params).empty()) {
    result.reason = "the policy names no work account (params.work_accounts)";
    return result;
  }
  if (!household.readable) {
    result.reason = "cannot read the local accounts (/etc/passwd)";
    return result;
  }
  if (need_work && household.work.empty()) {
    result.status = CheckStatus::kFail;
    result.reason = "the work account does not exist on this device";
    return result;
  }
  return std::nullopt;
}

}  // namespace candor::collectors::separation
