// The separation checks on fixture trees of home PCs, and the privacy rule: no string from
// the personal homes (file names, account names) may appear in any result they produce.

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <set>

#include "collectors/separation/checks.h"
#include "collectors/separation/personal_software.h"
#include "collectors/separation/personal_software_catalog.h"
#include "collectors/separation/vpn.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/separation/tree.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors::separation {
namespace {

using ::testing::HasSubstr;

TEST(SeparationTest, AFamilyPcWithAPersonalAdministrator) {
  Tree tree("family-pc");
  tree.Home("marjorie", 1000, 0755);
  tree.Home("work", 1001, 0700);
  tree.Home("tobias", 1002, 0750);
  const HostView host = tree.View();

  const CheckResult account = WorkAccount().Collect(host, Work());
  EXPECT_EQ(account.status, CheckStatus::kPass) << account.reason;
  EXPECT_EQ(std::get<int64_t>(account.facts.at("personal_accounts")), 2);

  EXPECT_EQ(WorkAccountNotAdmin().Collect(host, Work()).status, CheckStatus::kPass);

  const CheckResult personal = PersonalAccountsNotAdmin().Collect(host, Work());
  EXPECT_EQ(personal.status, CheckStatus::kFail);
  EXPECT_THAT(personal.reason, HasSubstr("1 personal and 0 other account(s) can become root"));
  const auto& pseudonyms =
      std::get<std::vector<std::string>>(personal.facts.at("admin_pseudonyms"));
  ASSERT_EQ(pseudonyms.size(), 1u);
  EXPECT_THAT(pseudonyms[0], ::testing::MatchesRegex("p-[0-9a-f]{12}"));
  // Stable on this device (the key is kept), different on another.
  EXPECT_EQ(std::get<std::vector<std::string>>(
                PersonalAccountsNotAdmin().Collect(host, Work()).facts.at("admin_pseudonyms")),
            pseudonyms);
  Tree other("family-pc");
  EXPECT_NE(
      std::get<std::vector<std::string>>(
          PersonalAccountsNotAdmin().Collect(other.View(), Work()).facts.at("admin_pseudonyms")),
      pseudonyms);

  // /home on an unencrypted partition.
  const CheckResult encrypted = WorkHomeEncrypted().Collect(host, Work());
  EXPECT_EQ(encrypted.status, CheckStatus::kFail) << encrypted.reason;
  EXPECT_THAT(encrypted.reason, HasSubstr("/home/work (on /home) is not encrypted"));
}

TEST(SeparationTest, ACleanWorkPcPasses) {
  Tree tree("work-clean");
  tree.Home("work", 1000, 0700);
  const HostView host = tree.View();
  EXPECT_EQ(WorkAccount().Collect(host, Work()).status, CheckStatus::kPass);
  EXPECT_EQ(WorkAccountNotAdmin().Collect(host, Work()).status, CheckStatus::kPass);
  EXPECT_EQ(PersonalAccountsNotAdmin().Collect(host, Work()).status, CheckStatus::kPass);
  const CheckResult encrypted = WorkHomeEncrypted().Collect(host, Work({"1000"}));  // by UID
  EXPECT_EQ(encrypted.status, CheckStatus::kPass) << encrypted.reason;
  EXPECT_THAT(encrypted.reason, HasSubstr("LUKS"));
  if (::geteuid() == 0) {
    const CheckResult home = WorkHomePrivate().Collect(host, Work());
    EXPECT_EQ(home.status, CheckStatus::kPass) << home.reason;
  }
}

TEST(SeparationTest, AWorkAccountThatCanSudo) {
  Tree tree("work-sudo");
  const CheckResult r = WorkAccountNotAdmin().Collect(tree.View(), Work());
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_THAT(r.reason, HasSubstr("work can become root"));
}

TEST(SeparationTest, AWorkHomeOthersCanRead) {
  if (::geteuid() != 0) GTEST_SKIP() << "setting a home's owner needs root";
  Tree tree("family-pc");
  tree.Home("work", 1001, 0755);
  CheckResult r = WorkHomePrivate().Collect(tree.View(), Work());
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_THAT(r.reason, HasSubstr("/home/work is open to every user (mode 0755)"));

  // Group-readable is fine while the group is the account's own...
  tree.Home("work", 1001, 0750);
  EXPECT_EQ(WorkHomePrivate().Collect(tree.View(), Work()).status, CheckStatus::kPass);
  // ...but not once another account is in it.
  std::string group = candor::testing::ReadFile(tree.path() / "etc/group");
  group.replace(group.find("work:x:1001:"), 12, "work:x:1001:tobias");
  candor::testing::WriteFile(tree.path() / "etc/group", group);
  r = WorkHomePrivate().Collect(tree.View(), Work());
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_THAT(r.reason, HasSubstr("open to its group, which has other members"));
}

TEST(SeparationTest, AnAclEntryThatLetsAnotherUserRead) {
  if (::geteuid() != 0) GTEST_SKIP() << "setting a home's owner needs root";
  Tree tree("family-pc");
  tree.Home("work", 1001, 0700);
  // version 2; user::rwx, user:1000:r-x, group::---, mask::r-x, other::---
  std::string acl;
  auto put = [&acl](uint16_t tag, uint16_t perm, uint32_t id) {
    acl.append(reinterpret_cast<const char*>(&tag), 2);
    acl.append(reinterpret_cast<const char*>(&perm), 2);
    acl.append(reinterpret_cast<const char*>(&id), 4);
  };
  const uint32_t version = 2;
  acl.append(reinterpret_cast<const char*>(&version), 4);
  put(0x01, 7, 0xFFFFFFFF);
  put(0x02, 5, 1000);
  put(0x04, 0, 0xFFFFFFFF);
  put(0x10, 5, 0xFFFFFFFF);
  put(0x20, 0, 0xFFFFFFFF);
  const std::filesystem::path home = tree.path() / "home/work";
  if (::setxattr(home.c_str(), "system.posix_acl_access", acl.data(), acl.size(), 0) != 0) {
    GTEST_SKIP() << "this file system takes no POSIX ACLs: " << std::strerror(errno);
  }
  const CheckResult r = WorkHomePrivate().Collect(tree.View(), Work());
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_THAT(r.reason, HasSubstr("ACL entry letting another user read it"));
}

TEST(SeparationTest, MissingOrUnnamedWorkAccounts) {
  Tree tree("family-pc");
  const CheckResult missing = WorkAccount().Collect(tree.View(), Work({"acme-work"}));
  EXPECT_EQ(missing.status, CheckStatus::kFail);
  EXPECT_THAT(missing.reason, HasSubstr("no work account acme-work on this device"));
  const CheckResult unnamed = WorkAccount().Collect(tree.View(), Work({}));
  EXPECT_EQ(unnamed.status, CheckStatus::kError);
  EXPECT_THAT(unnamed.reason, HasSubstr("names no work account"));
}

TEST(SeparationTest, VpnTypesWithoutEndpointsOrKeys) {
  const CheckResult vpn = VpnConfigured().Collect(HostView(Fixture("work-vpn")), {});
  EXPECT_EQ(vpn.status, CheckStatus::kPass) << vpn.reason;
  EXPECT_EQ(std::get<std::vector<std::string>>(vpn.facts.at("vpn_types")),
            (std::vector<std::string>{"openvpn", "wireguard"}));
  EXPECT_EQ(std::get<int64_t>(vpn.facts.at("connections")), 2);  // the Wi-Fi does not count
  for (const char* secret :
       {"acme-secret-endpoint", "cGhvbnk", "10.20.", "Acme Office", "FamilyNetwork"}) {
    EXPECT_THAT(vpn.reason, ::testing::Not(HasSubstr(secret)));
  }
  const CheckResult none = VpnConfigured().Collect(HostView(Fixture("work-clean")), {});
  EXPECT_EQ(none.status, CheckStatus::kFail);
  EXPECT_THAT(none.reason, HasSubstr("no VPN is configured"));
}

// Every string a personal home holds, and the personal account names: none may leave the
// device in any result of these checks.
std::set<std::string> PersonalStrings(const std::filesystem::path& tree,
                                      const std::set<std::string>& personal_accounts) {
  // The directories every home has (XDG's and flatpak's layout) say nothing personal.
  static const std::set<std::string> kLayout = {"share",  "flatpak",  "active",      "stable",
                                                "x86_64", "metadata", "applications"};
  std::set<std::string> strings = personal_accounts;
  for (const std::string& account : personal_accounts) {
    const std::filesystem::path home = tree / "home" / account;
    if (!std::filesystem::exists(home)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(home)) {
      const std::string name = entry.path().filename().string();
      if (name.size() >= 4 && name[0] != '.' && kLayout.count(name) == 0) strings.insert(name);
      if (entry.is_regular_file()) {
        const std::string content = candor::testing::ReadFile(entry.path());
        if (content.size() >= 4) strings.insert(content.substr(0, content.find('\n')));
      }
    }
  }
  return strings;
}

std::string Dump(const CheckResult& r) {
  std::string out = r.reason;
  for (const auto& [key, value] : r.facts) {
    out += "|" + key + "=";
    std::visit(
        [&out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out += v;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            for (const std::string& s : v) out += s + ",";
          } else {
            out += std::to_string(v);
          }
        },
        value);
  }
  return out;
}

TEST(SeparationPrivacyTest, NoPersonalStringLeavesTheDevice) {
  struct Case {
    std::set<std::string> personal;
    std::string work_uid;
  };
  const std::map<std::string, Case> trees = {{"family-pc", {{"marjorie", "tobias"}, "1001"}},
                                             {"work-sudo", {{"helga"}, "1000"}},
                                             {"work-clean", {{}, "1000"}},
                                             {"work-flatpak-torrent", {{}, "1000"}}};
  const NoPersonalSoftware software(kPersonalSoftwareCatalog);
  const WorkAccount account;
  const WorkAccountNotAdmin work_admin;
  const PersonalAccountsNotAdmin personal_admins;
  const WorkHomePrivate home_private;
  const WorkHomeEncrypted home_encrypted;
  const VpnConfigured vpn;
  const std::vector<const Collector*> checks = {
      &account, &work_admin, &personal_admins, &home_private, &home_encrypted, &vpn, &software};
  size_t results = 0;
  for (const auto& [name, c] : trees) {
    Tree tree(name);
    const std::set<std::string> secrets = PersonalStrings(tree.path(), c.personal);
    for (const Collector* check : checks) {
      for (const std::vector<std::string>& work :
           std::vector<std::vector<std::string>>{{"work"}, {c.work_uid}, {"nobody-here"}}) {
        config::Params params;
        for (const config::ParamSpec& p : check->spec().params) params[p.name] = p.default_value;
        params["work_accounts"] = work;
        const std::string dump = Dump(check->Collect(tree.View(), params));
        ++results;
        for (const std::string& secret : secrets) {
          EXPECT_THAT(dump, ::testing::Not(HasSubstr(secret)))
              << check->id() << " on " << name << " leaks \"" << secret << "\"";
        }
      }
    }
  }
  EXPECT_EQ(results, 4u * 7u * 3u);
}

}  // namespace
}  // namespace candor::collectors::separation
