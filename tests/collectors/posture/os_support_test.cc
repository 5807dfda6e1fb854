#include "collectors/posture/os_support.h"

#include "collectors/posture/os_eol_table.h"
#include "config/read_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"
#include "tests/support/temp_dir.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using ::testing::HasSubstr;

HostView::TimePoint Day(int year, int month, int day) {
  return absl::ToChronoTime(absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone()));
}

HostView Tree(const std::filesystem::path& root, HostView::TimePoint now) {
  HostView::Options options;
  options.now = [now] { return now; };
  return HostView(root, options);
}

HostView Fixture(const std::string& name, HostView::TimePoint now) {
  return Tree(std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name, now);
}

config::Params Extended(bool allowed) { return {{"allow_extended_support", allowed}}; }

class OsSupportTest : public ::testing::Test {
 protected:
  HostView Os(const std::string& id, const std::string& version, HostView::TimePoint now,
              bool esm = false) {
    candor::testing::WriteFile(dir_ / "etc/os-release",
                               "ID=" + id + "\nVERSION_ID=\"" + version + "\"\n");
    if (esm)
      candor::testing::WriteFile(dir_ / "etc/apt/sources.list.d/ubuntu-esm-infra.sources", "");
    return Tree(dir_.path(), now);
  }
  const OsSupport collector_{kOsEolTable};
  candor::testing::TempDir dir_;
};

TEST_F(OsSupportTest, StandardSupportPasses) {
  const CheckResult r = collector_.Collect(Fixture("debian12", Day(2026, 1, 1)), Extended(true));
  EXPECT_EQ(r.status, CheckStatus::kPass);
  EXPECT_EQ(r.reason, "Debian 12 (bookworm) has security support until 2026-06-10");
  EXPECT_EQ(Fact<std::string>(r, "phase"), "standard");
  EXPECT_FALSE(Fact<bool>(r, "table_stale"));
}

TEST_F(OsSupportTest, DebianLtsIsExtendedSupportWhichAPolicyMayRefuse) {
  const HostView host = Fixture("debian12", Day(2027, 1, 15));
  const CheckResult ok = collector_.Collect(host, Extended(true));
  EXPECT_EQ(ok.status, CheckStatus::kPass);
  EXPECT_EQ(ok.reason, "Debian 12 (bookworm) is in extended support (LTS) until 2028-06-30");
  const CheckResult strict = collector_.Collect(host, Extended(false));
  EXPECT_EQ(strict.status, CheckStatus::kFail);
  EXPECT_THAT(strict.reason, HasSubstr("which this policy does not accept"));
}

TEST_F(OsSupportTest, UbuntuPastStandardSupportNeedsEsm) {
  const CheckResult without =
      collector_.Collect(Os("ubuntu", "20.04", Day(2026, 11, 22)), Extended(true));
  EXPECT_EQ(without.status, CheckStatus::kFail);
  EXPECT_EQ(without.reason,
            "Ubuntu 20.04 LTS: standard support ended 2025-05-31 and ESM is not enabled");
  const CheckResult with =
      collector_.Collect(Os("ubuntu", "20.04", Day(2026, 11, 22), true), Extended(true));
  EXPECT_EQ(with.status, CheckStatus::kPass);
  EXPECT_EQ(with.reason, "Ubuntu 20.04 LTS is in extended support (Ubuntu ESM) until 2030-04-30");
}

TEST_F(OsSupportTest, EndedReleasesFailAndUnknownOnesAreNotGuessed) {
  const CheckResult ended =
      collector_.Collect(Os("debian", "10", Day(2026, 11, 22)), Extended(true));
  EXPECT_EQ(ended.status, CheckStatus::kFail);
  EXPECT_EQ(ended.reason, "Debian 10 (buster) no longer gets security updates (since 2024-06-30)");
  const CheckResult unknown =
      collector_.Collect(Fixture("fedora-setup-mode", Day(2026, 11, 22)), Extended(true));
  EXPECT_EQ(unknown.status, CheckStatus::kNotApplicable);
  EXPECT_EQ(unknown.reason, "fedora 40 is not in the end-of-life table (from 2026-11-22)");
}

TEST_F(OsSupportTest, AnOldTableSaysSo) {
  const CheckResult r =
      collector_.Collect(Fixture("home-pc-bare", Day(2027, 6, 1)), Extended(true));
  EXPECT_EQ(r.status, CheckStatus::kPass);  // Ubuntu 22.04: standard support until 2027-06-30
  EXPECT_TRUE(Fact<bool>(r, "table_stale"));
  EXPECT_THAT(r.reason, HasSubstr("is over 6 months old: update the agent"));
}

TEST_F(OsSupportTest, TheShippedTableMatchesTheSourceFileAndABrokenOneIsAnError) {
  absl::StatusOr<std::string> source =
      config::ReadBoundedFile(CANDOR_SOURCE_DIR "/config/os_eol.yaml", 1 << 20);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(*source, std::string(kOsEolTable));
  absl::StatusOr<EolTable> table = ParseEolTable(kOsEolTable);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_GE(table->releases.size(), 8u);
  const CheckResult broken = OsSupport("table_date: soon\nreleases: []\n")
                                 .Collect(Fixture("debian12", Day(2026, 1, 1)), Extended(true));
  EXPECT_EQ(broken.status, CheckStatus::kError);
  EXPECT_THAT(broken.reason, HasSubstr("table_date"));
}

}  // namespace
}  // namespace candor::collectors::posture
