#include "collectors/posture/auto_updates.h"

#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;

TEST(AutoUpdatesTest, UnattendedUpgradesDailyPasses) {
  const CheckResult r = AutoUpdates().Collect(Fixture("laptop-hardened"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "unattended-upgrades installs updates every 1 day");
  EXPECT_EQ(Fact<std::string>(r, "mechanism"), "unattended-upgrades");
  EXPECT_EQ(Fact<int64_t>(r, "interval_days"), 1);
}

TEST(AutoUpdatesTest, UnattendedUpgradeZeroFails) {
  const CheckResult r = AutoUpdates().Collect(Fixture("home-pc-bare"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason,
            "automatic updates are off: APT::Periodic::Unattended-Upgrade is not set to a "
            "number of days");
}

TEST(AutoUpdatesTest, NestedAptSyntaxIsReadAndAMaskedTimerFails) {
  const CheckResult r = AutoUpdates().Collect(Fixture("legacy-bios"), {});
  EXPECT_EQ(Fact<int64_t>(r, "interval_days"), 7);
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "automatic updates are off: apt-daily-upgrade.timer is masked");
}

TEST(AutoUpdatesTest, DnfAutomaticInstallingPasses) {
  const CheckResult r = AutoUpdates().Collect(Fixture("fedora-setup-mode"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(Fact<std::string>(r, "mechanism"), "dnf-automatic");
}

TEST(AutoUpdatesTest, DnfAutomaticDownloadOnlyFails) {
  const CheckResult r = AutoUpdates().Collect(Fixture("fedora-download-only"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "dnf-automatic only downloads updates: apply_updates is off");
}

TEST(AutoUpdatesTest, NoPackageManagerIsNotApplicable) {
  EXPECT_EQ(AutoUpdates().Collect(Fixture("debian12"), {}).status, CheckStatus::kNotApplicable);
}

}  // namespace
}  // namespace candor::collectors::posture
