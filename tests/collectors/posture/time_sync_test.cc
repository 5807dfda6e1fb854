#include "collectors/posture/time_sync.h"

#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using testing::HasFact;

TEST(TimeSyncTest, ChronydPasses) {
  const CheckResult r = TimeSync().Collect(Fixture("laptop-hardened"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "chronyd is running");
  EXPECT_EQ(Fact<std::string>(r, "client"), "chronyd");
  EXPECT_FALSE(HasFact(r, "synchronized"));
}

TEST(TimeSyncTest, TimesyncdReportsSynchronization) {
  const CheckResult r = TimeSync().Collect(Fixture("legacy-bios"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "systemd-timesyncd is running and the clock is synchronized");
  EXPECT_TRUE(Fact<bool>(r, "synchronized"));
}

TEST(TimeSyncTest, NoClientFails) {
  const CheckResult r = TimeSync().Collect(Fixture("home-pc-bare"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason.rfind("no time synchronization client is running", 0), 0u);
}

}  // namespace
}  // namespace candor::collectors::posture
