#include "collectors/posture/auto_login.h"

#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using Names = std::vector<std::string>;

TEST(AutoLoginTest, CommentedOutGdmSettingPasses) {
  const CheckResult r = AutoLogin().Collect(Fixture("laptop-hardened"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "no automatic login (checked GDM, LightDM and SDDM)");
  EXPECT_FALSE(Fact<bool>(r, "autologin"));
}

TEST(AutoLoginTest, GdmAndLightDmDropInFailNamingNoAccount) {
  const CheckResult r = AutoLogin().Collect(Fixture("home-pc-bare"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "automatic login is enabled in GDM and LightDM");
  EXPECT_EQ(Fact<Names>(r, "display_managers"), (Names{"GDM", "LightDM"}));
  EXPECT_EQ(r.reason.find("kid"), std::string::npos);
}

TEST(AutoLoginTest, SddmMainFileOverridesItsDropIns) {
  const CheckResult r = AutoLogin().Collect(Fixture("legacy-bios"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(Fact<Names>(r, "display_managers"), Names{"SDDM"});
}

TEST(AutoLoginTest, NoDisplayManagerPasses) {
  EXPECT_EQ(AutoLogin().Collect(Fixture("debian12"), {}).status, CheckStatus::kPass);
}

}  // namespace
TEST(AutoLoginTest, OnASharedPcOnlyTheWorkAccountMatters) {
  // GDM and LightDM log "kid" in; the work account ("dad" here, or UID 1000) is not.
  const CheckResult work =
      AutoLogin().Collect(Fixture("home-pc-bare"), {{"accounts", std::vector<std::string>{"dad"}}});
  EXPECT_EQ(work.status, CheckStatus::kPass) << work.reason;
  EXPECT_NE(work.reason.find("but not into the named account(s)"), std::string::npos);
  EXPECT_EQ(work.reason.find("kid"), std::string::npos);
  const CheckResult kid = AutoLogin().Collect(Fixture("home-pc-bare"),
                                              {{"accounts", std::vector<std::string>{"1001"}}});
  EXPECT_EQ(kid.status, CheckStatus::kFail);
  EXPECT_TRUE(std::get<bool>(kid.facts.at("named_account_autologin")));
}

}  // namespace candor::collectors::posture
