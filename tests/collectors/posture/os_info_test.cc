#include "collectors/posture/os_info.h"

#include "collectors/posture/os_release.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace candor::collectors::posture {
namespace {

using ::testing::HasSubstr;

HostView Fixture(const std::string& name) {
  return HostView(std::filesystem::path(CANDOR_TEST_DATA) / "hosts" / name);
}

std::string Text(const CheckResult& result, const std::string& fact) {
  auto it = result.facts.find(fact);
  if (it == result.facts.end()) return "<missing>";
  return std::get<std::string>(it->second);
}

TEST(OsInfoTest, ReportsDebianFromEtcOsRelease) {
  const CheckResult result = OsInfo().Collect(Fixture("debian12"), {});
  EXPECT_EQ(result.status, CheckStatus::kPass);
  EXPECT_EQ(result.reason, "Debian GNU/Linux 12 (bookworm), kernel 6.1.0-13-amd64, x86_64");
  EXPECT_EQ(Text(result, "os_id"), "debian");
  EXPECT_EQ(Text(result, "os_version_id"), "12");
  EXPECT_EQ(Text(result, "os_codename"), "bookworm");
  EXPECT_EQ(Text(result, "kernel_release"), "6.1.0-13-amd64");
  EXPECT_EQ(Text(result, "architecture"), "x86_64");
  EXPECT_EQ(Text(result, "hostname"), "laptop-042");
  EXPECT_EQ(result.facts.size(), 7u);  // nothing beyond the declared facts
}

TEST(OsInfoTest, FallsBackToUsrLibOsRelease) {
  const CheckResult result = OsInfo().Collect(Fixture("ubuntu2404"), {});
  EXPECT_EQ(result.status, CheckStatus::kPass);
  EXPECT_EQ(result.reason, "Ubuntu 24.04.1 LTS, kernel 6.8.0-45-generic, aarch64");
  EXPECT_EQ(Text(result, "os_codename"), "noble");
}

TEST(OsInfoTest, MissingOsReleaseIsAnErrorWithTheReason) {
  const CheckResult result = OsInfo().Collect(Fixture("no-os-release"), {});
  EXPECT_EQ(result.status, CheckStatus::kError);
  EXPECT_THAT(result.reason, HasSubstr("cannot read the OS release file"));
  EXPECT_THAT(result.reason, HasSubstr("/usr/lib/os-release"));
}

TEST(OsInfoTest, HostileFileNeitherCrashesNorInventsFacts) {
  const CheckResult result = OsInfo().Collect(Fixture("hostile-os-release"), {});
  EXPECT_EQ(result.status, CheckStatus::kPass);
  EXPECT_EQ(Text(result, "os_id"), "evil");
  EXPECT_EQ(Text(result, "os_version_id"), "<missing>");  // unterminated quote: skipped
  EXPECT_EQ(Text(result, "kernel_release"), "<missing>");
  EXPECT_THAT(result.reason, HasSubstr("kernel unknown"));
}

TEST(OsInfoTest, RunsOnTheLiveSystem) {
  const CheckResult result = OsInfo().Collect(HostView("/"), {});
  EXPECT_EQ(result.status, CheckStatus::kPass) << result.reason;
  EXPECT_NE(Text(result, "kernel_release"), "<missing>");
  EXPECT_NE(Text(result, "architecture"), "<missing>");
}

TEST(OsReleaseTest, ParsesQuotingAsSystemdDoes) {
  const auto fields = ParseOsRelease(
      "A=plain\nB=\"double \\\"q\\\" \\$x\"\nC='single \\n'\n# comment\n  D = spaced\n"
      "E=\"open\n1X=bad\nF=\nG=two words\n");
  EXPECT_EQ(fields.at("A"), "plain");
  EXPECT_EQ(fields.at("B"), "double \"q\" $x");
  EXPECT_EQ(fields.at("C"), "single \\n");
  EXPECT_EQ(fields.at("F"), "");
  EXPECT_EQ(fields.count("D "), 0u);
  EXPECT_EQ(fields.count("E"), 0u);
  EXPECT_EQ(fields.count("1X"), 0u);
  EXPECT_EQ(fields.count("G"), 0u);
}

}  // namespace
}  // namespace candor::collectors::posture
