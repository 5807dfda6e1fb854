#include "config/policy.h"

#include "config/map_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/config/test_catalog.h"

namespace candor::config {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

absl::StatusOr<Policy> Parse(const std::string& text) {
  return ParsePolicyText(text, "p.yaml", testing::TestCatalog());
}

std::filesystem::path Good(const std::string& name) {
  return std::filesystem::path(CANDOR_TEST_DATA) / "policies" / "good" / name;
}

TEST(PolicyTest, LoadsEveryFieldAndFillsDefaults) {
  absl::StatusOr<Policy> policy = LoadPolicyFile(Good("full.yaml"), testing::TestCatalog());
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->name, "home-pcs");
  EXPECT_EQ(policy->tenant, "acme-home_2");
  EXPECT_EQ(policy->version, 9223372036854775807u);
  EXPECT_EQ(policy->notice, "Plain notice.");
  ASSERT_EQ(policy->checks.size(), 4u);

  const CheckSpec& os = policy->checks[0];
  EXPECT_EQ(os.interval, seconds(10));
  EXPECT_EQ(os.splay, seconds(0));
  EXPECT_EQ(os.timeout, seconds(10));
  EXPECT_EQ(os.severity, Severity::kInfo);
  EXPECT_EQ(os.platforms, std::vector<Platform>{Platform::kLinux});
  EXPECT_TRUE(os.params.empty());

  const CheckSpec& lock = policy->checks[1];  // everything from defaults
  EXPECT_EQ(lock.interval, seconds(6 * 3600));
  EXPECT_EQ(lock.splay, seconds(1800));
  EXPECT_EQ(lock.timeout, seconds(120));
  EXPECT_EQ(lock.severity, Severity::kHigh);
  EXPECT_EQ(lock.platforms, (std::vector<Platform>{Platform::kLinux, Platform::kWindows}));
  EXPECT_EQ(std::get<int64_t>(lock.params.at("max_idle_minutes")), 240);
  EXPECT_EQ(std::get<std::vector<std::string>>(lock.params.at("users")),
            (std::vector<std::string>{"alice", "bob"}));

  const CheckSpec& patches = policy->checks[2];
  EXPECT_EQ(patches.id, "patches.security");
  EXPECT_EQ(std::get<seconds>(patches.params.at("max_security_age")), seconds(90 * 86400));
  EXPECT_EQ(std::get<std::string>(patches.params.at("channel")), "testing");

  const CheckSpec& fw = policy->checks[3];  // an empty params mapping: every default
  EXPECT_TRUE(std::get<bool>(fw.params.at("require_default_deny")));
  EXPECT_EQ(fw.platforms, (std::vector<Platform>{Platform::kWindows, Platform::kLinux}));
}

TEST(PolicyTest, DefaultTimeoutIsAMinuteOrTheIntervalIfShorter) {
  absl::StatusOr<Policy> policy = Parse(R"(apiVersion: candor/v1
kind: Policy
metadata: {name: p, tenant: t, version: 1}
notice: n
checks:
  - {id: fast, collector: os_info, interval: 20s}
  - {id: slow, collector: os_info, interval: 1h}
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->checks[0].timeout, seconds(20));
  EXPECT_EQ(policy->checks[1].timeout, seconds(60));
  EXPECT_EQ(policy->checks[1].severity, Severity::kMedium);
  EXPECT_EQ(DescribePolicy(*policy), "valid policy \"p\" version 1, 2 checks");
}

TEST(PolicyTest, AChangedParameterMakesADifferentCheck) {
  absl::StatusOr<Policy> a = LoadPolicyFile(Good("full.yaml"), testing::TestCatalog());
  ASSERT_TRUE(a.ok());
  CheckSpec changed = a->checks[1];
  EXPECT_EQ(changed, a->checks[1]);
  changed.params["max_idle_minutes"] = int64_t{5};
  EXPECT_NE(changed, a->checks[1]);
}

TEST(PolicyTest, RecordListsKeepTheirIdsAndLists) {
  absl::StatusOr<Policy> policy = Parse(R"(apiVersion: candor/v1
kind: Policy
metadata: {name: p, tenant: t, version: 1}
notice: n
defaults: {interval: 1h}
checks:
  - id: sw
    collector: software
    params:
      add:
        - id: shadow-it:acme-sync
          packages: [acme-sync, acme-sync-gui]
          processes: [acme-syncd]
        - id: games:retro.arch+2
          processes: ["RetroArch Launcher"]
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  const auto& add = std::get<std::vector<ParamRecord>>(policy->checks[0].params.at("add"));
  ASSERT_EQ(add.size(), 2u);
  EXPECT_EQ(add[0].id, "shadow-it:acme-sync");
  EXPECT_EQ(add[0].lists.at("packages"), (std::vector<std::string>{"acme-sync", "acme-sync-gui"}));
  EXPECT_EQ(add[0].lists.at("processes"), std::vector<std::string>{"acme-syncd"});
  EXPECT_EQ(add[1].lists.count("packages"), 0u);
  EXPECT_EQ(add[1].lists.at("processes"), std::vector<std::string>{"RetroArch Launcher"});
}

TEST(PolicyTest, SeverityNames) {
  EXPECT_EQ(SeverityName(Severity::kInfo), "info");
  EXPECT_EQ(SeverityName(Severity::kCritical), "critical");
}

TEST(DurationTest, ParsesUnitsAndRejectsTheRest) {
  EXPECT_EQ(ParseDuration("30s"), seconds(30));
  EXPECT_EQ(ParseDuration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(ParseDuration("6h"), std::chrono::hours(6));
  EXPECT_EQ(ParseDuration("1d"), std::chrono::hours(24));
  EXPECT_FALSE(ParseDuration("-5m"));
  EXPECT_FALSE(ParseDuration("+5m"));
  EXPECT_FALSE(ParseDuration("5"));
  EXPECT_FALSE(ParseDuration("m"));
  EXPECT_FALSE(ParseDuration("5 m"));
  EXPECT_FALSE(ParseDuration("1.5h"));
  EXPECT_FALSE(ParseDuration("99999999999999999d"));
}

}  // namespace
}  // namespace candor::config
