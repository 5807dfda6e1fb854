#include "collectors/posture/antivirus.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using ::testing::HasSubstr;

// The fixtures' signature databases are dated relative to this moment.
HostView At(const std::string& name) {
  HostView::Options options;
  options.now = [] { return HostView::TimePoint(std::chrono::seconds(1'800'000'000)); };
  return HostView(std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name, options);
}

config::Params MaxAge(int64_t days) {
  return {{"max_signature_age", std::chrono::seconds(days * 86400)}};
}

TEST(AntivirusTest, ClamdWithFreshSignaturesPasses) {
  const CheckResult r = Antivirus().Collect(At("laptop-hardened"), MaxAge(3));
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "ClamAV is running; signatures are 20 hours old");
  EXPECT_EQ(Fact<int64_t>(r, "signature_age_hours"), 20);
}

TEST(AntivirusTest, StaleSignaturesFail) {
  const CheckResult r = Antivirus().Collect(At("legacy-bios"), MaxAge(3));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "ClamAV is running but its signatures are 10 days old (limit 3 days)");
  EXPECT_EQ(Antivirus().Collect(At("legacy-bios"), MaxAge(14)).status, CheckStatus::kPass);
}

TEST(AntivirusTest, AnUnreadableDatabaseFails) {
  const CheckResult r = Antivirus().Collect(At("fedora-download-only"), MaxAge(3));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_THAT(r.reason, HasSubstr("cannot be dated"));
}

TEST(AntivirusTest, EdrWithoutLocalSignaturesPasses) {
  const CheckResult r = Antivirus().Collect(At("fedora-setup-mode"), MaxAge(3));
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "CrowdStrike Falcon is running");
}

TEST(AntivirusTest, NothingRunningFails) {
  const CheckResult r = Antivirus().Collect(At("home-pc-bare"), MaxAge(3));
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_THAT(r.reason, HasSubstr("no known antivirus or EDR is running"));
}

}  // namespace
}  // namespace candor::collectors::posture
