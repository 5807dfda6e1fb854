#include "collectors/posture/secure_boot.h"

#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;

TEST(SecureBootTest, EnabledPasses) {
  const CheckResult r = SecureBoot().Collect(Fixture("laptop-hardened"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "Secure Boot is enabled");
  EXPECT_TRUE(Fact<bool>(r, "uefi"));
  EXPECT_TRUE(Fact<bool>(r, "secure_boot"));
  EXPECT_FALSE(Fact<bool>(r, "setup_mode"));
}

TEST(SecureBootTest, DisabledFails) {
  const CheckResult r = SecureBoot().Collect(Fixture("home-pc-bare"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "Secure Boot is disabled in the firmware");
  EXPECT_FALSE(Fact<bool>(r, "secure_boot"));
}

TEST(SecureBootTest, SetupModeFailsBecauseNothingIsVerified) {
  const CheckResult r = SecureBoot().Collect(Fixture("fedora-setup-mode"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "firmware is in setup mode: no Secure Boot keys are enrolled");
  EXPECT_TRUE(Fact<bool>(r, "setup_mode"));
}

TEST(SecureBootTest, LegacyBiosIsNotApplicable) {
  const CheckResult r = SecureBoot().Collect(Fixture("legacy-bios"), {});
  EXPECT_EQ(r.status, CheckStatus::kNotApplicable);
  EXPECT_EQ(r.reason, "legacy BIOS boot: Secure Boot does not apply");
  EXPECT_FALSE(Fact<bool>(r, "uefi"));
}

TEST(SecureBootTest, UefiWithoutTheVariableFails) {
  const CheckResult r = SecureBoot().Collect(Fixture("fedora-download-only"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "UEFI firmware without Secure Boot support");
}

}  // namespace
}  // namespace candor::collectors::posture
