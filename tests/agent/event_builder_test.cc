#include "agent/event_builder.h"

#include "config/utf8.h"
#include "gtest/gtest.h"

namespace candor::agent {
namespace {

TEST(EventBuilderTest, CopiesTheResultAndTime) {
  collectors::CheckResult result;
  result.status = collectors::CheckStatus::kFail;
  result.reason = "firewall off";
  result.facts["enabled"] = false;
  result.facts["rules"] = int64_t{0};
  result.facts["ratio"] = 0.5;
  result.facts["zones"] = std::vector<std::string>{"public", "home"};
  result.facts["backend"] = std::string("nftables");
  const Clock::TimePoint at{std::chrono::milliseconds(1'790'000'000'123)};
  const v1::Event event = BuildEvent("firewall", "fw", result, at, 4);
  EXPECT_EQ(event.seq(), 0u);  // the spool assigns it
  EXPECT_EQ(event.collector(), "firewall");
  EXPECT_EQ(event.check_id(), "fw");
  EXPECT_EQ(event.status(), v1::CHECK_STATUS_FAIL);
  EXPECT_EQ(event.reason(), "firewall off");
  EXPECT_EQ(event.observed_at().seconds(), 1'790'000'000);
  EXPECT_EQ(event.observed_at().nanos(), 123'000'000);
  EXPECT_EQ(event.policy_version(), 4u);
  EXPECT_FALSE(event.facts().at("enabled").flag());
  EXPECT_EQ(event.facts().at("rules").kind_case(), v1::FactValue::kInteger);
  EXPECT_EQ(event.facts().at("ratio").number(), 0.5);
  EXPECT_EQ(event.facts().at("zones").list().values(1), "home");
  EXPECT_EQ(event.facts().at("backend").text(), "nftables");
}

TEST(EventBuilderTest, CheckEventsCarrySeverityAndInterval) {
  config::CheckSpec check;
  check.id = "disk";
  check.collector = "disk_encryption";
  check.severity = config::Severity::kCritical;
  check.interval = std::chrono::hours(6);
  collectors::CheckResult result;
  result.status = collectors::CheckStatus::kPass;
  const v1::Event event = BuildCheckEvent(check, result, {}, 9);
  EXPECT_EQ(event.collector(), "disk_encryption");
  EXPECT_EQ(event.check_id(), "disk");
  EXPECT_EQ(event.severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(event.interval_seconds(), 6u * 3600);
  EXPECT_EQ(event.policy_version(), 9u);
  check.severity = config::Severity::kInfo;
  EXPECT_EQ(BuildCheckEvent(check, result, {}, 9).severity(), v1::SEVERITY_INFO);
  // The agent's own events carry no severity: they are not checks of the policy.
  EXPECT_EQ(PolicyRejectedEvent("p.yaml", absl::InvalidArgumentError("bad"), {}, 1).severity(),
            v1::SEVERITY_UNSPECIFIED);
}

TEST(EventBuilderTest, RepairsInvalidUtf8AndBoundsLength) {
  EXPECT_EQ(SanitizeText("ok \xff end", 100), "ok \xEF\xBF\xBD end");
  EXPECT_EQ(SanitizeText("\xC3", 100), "\xEF\xBF\xBD");
  const std::string cut = SanitizeText(std::string(1023, 'a') + "\xC3\xA9", 1024);
  EXPECT_EQ(cut.size(), 1023u);  // not cut inside the two-byte character
  EXPECT_TRUE(config::IsValidUtf8(cut));

  collectors::CheckResult result;
  result.reason = std::string(5000, 'x') + "\xff";
  result.facts["name"] = std::string("\xfe\xfe");
  const v1::Event event = BuildEvent("os_info", "os", result, {}, 0);
  EXPECT_EQ(event.reason().size(), 1024u);
  EXPECT_TRUE(config::IsValidUtf8(event.facts().at("name").text()));
  std::string wire;
  EXPECT_TRUE(event.SerializeToString(&wire));
  v1::Event parsed;
  EXPECT_TRUE(parsed.ParseFromString(wire));  // proto3 parsing rejects invalid UTF-8
}

TEST(ClipUtf8Test, CutsOnACharacterBoundaryAndMarksTheCut) {
  EXPECT_EQ(config::ClipUtf8("firewall", 8), "firewall");
  EXPECT_EQ(config::ClipUtf8("firewall", 5), "fire~");
  // "é" is two bytes: never cut inside it.
  EXPECT_EQ(config::ClipUtf8("caf\xC3\xA9s", 5), "caf~");
  EXPECT_TRUE(config::IsValidUtf8(config::ClipUtf8("\xC3\xA9\xC3\xA9\xC3\xA9", 4)));
  EXPECT_EQ(config::ClipUtf8("abc", 0), "~");
}

}  // namespace
}  // namespace candor::agent
