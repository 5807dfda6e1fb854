#include "collectors/posture/local_admins.h"

#include "collectors/sudoers.h"
#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using Names = std::vector<std::string>;

config::Params Allowed(Names names) { return {{"allowed_admins", std::move(names)}}; }

TEST(LocalAdminsTest, OnlyTheAllowedAdminPasses) {
  const CheckResult r = LocalAdmins().Collect(Fixture("laptop-hardened"), Allowed({"alice"}));
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "1 account can become root, all of them allowed");
  EXPECT_EQ(Fact<Names>(r, "allowed_admins_found"), Names{"alice"});
}

TEST(LocalAdminsTest, AnyAdminFailsWhenNoneIsAllowed) {
  const CheckResult r = LocalAdmins().Collect(Fixture("laptop-hardened"), Allowed({}));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "1 account can become root; 1 is not in allowed_admins");
}

TEST(LocalAdminsTest, GroupsSudoersAndASecondUidZeroAllCountWithoutNames) {
  const CheckResult r = LocalAdmins().Collect(Fixture("home-pc-bare"), Allowed({"dad"}));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  // dad (sudo group), kid (sudoers.d), toor (UID 0); the dpkg-old file is not read by sudo.
  EXPECT_EQ(Fact<int64_t>(r, "admin_count"), 3);
  EXPECT_EQ(Fact<int64_t>(r, "unexpected_count"), 2);
  EXPECT_EQ(r.reason, "3 accounts can become root; 2 are not in allowed_admins");
  for (const char* name : {"kid", "toor", "nobody"}) {
    EXPECT_EQ(r.reason.find(name), std::string::npos) << name;
  }
}

TEST(LocalAdminsTest, PrimaryGroupAndUserAliasesCount) {
  const CheckResult r = LocalAdmins().Collect(Fixture("legacy-bios"), Allowed({"family"}));
  // family (primary group wheel), guest and backup (HELPERS alias granted ALL).
  EXPECT_EQ(Fact<int64_t>(r, "admin_count"), 3);
  EXPECT_EQ(Fact<int64_t>(r, "unexpected_count"), 2);
}

TEST(LocalAdminsTest, UnreadableAccountsAreAnError) {
  const CheckResult r = LocalAdmins().Collect(Fixture("debian12"), Allowed({}));
  EXPECT_EQ(r.status, CheckStatus::kError);
}

TEST(SudoersTest, OnlyFullGrantsCount) {
  SudoGrants grants;
  ParseSudoers(R"(Defaults secure_path="/usr/bin"
# comment ALL=(ALL) ALL
a ALL=(ALL:ALL) ALL
b ALL=(root) NOPASSWD: /usr/bin/apt, /usr/bin/systemctl
c host1=(ALL) NOPASSWD:SETENV: ALL
%ops ALL=ALL
d, e ALL=(ALL) /bin/ls, ALL
User_Alias LOOP = LOOP, f
LOOP ALL = ALL
)",
               grants);
  EXPECT_EQ(grants.users, (std::set<std::string>{"a", "c", "d", "e", "f"}));
  EXPECT_EQ(grants.groups, (std::set<std::string>{"ops"}));
}

}  // namespace
}  // namespace candor::collectors::posture
