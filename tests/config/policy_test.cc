#include "config/policy.h"

#include "config/map_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace candor::config {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kCatalog = {"os_info", "firewall"};

absl::StatusOr<Policy> Parse(const std::string& text) {
  absl::StatusOr<YamlNode> root = ParseYaml(text, "p.yaml");
  if (!root.ok()) return root.status();
  return ParsePolicy(*root, "p.yaml", kCatalog);
}

constexpr const char* kHeader = R"(apiVersion: candor/v1
kind: Policy
metadata:
  name: laptops
  tenant: acme
  version: 7
)";

TEST(PolicyTest, LoadsChecks) {
  absl::StatusOr<Policy> policy = Parse(std::string(kHeader) + R"(checks:
  - id: os
    collector: os_info
    interval: 6h
  - id: fw
    collector: firewall
    interval: 15m
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->name, "laptops");
  EXPECT_EQ(policy->tenant, "acme");
  EXPECT_EQ(policy->version, 7u);
  ASSERT_EQ(policy->checks.size(), 2u);
  EXPECT_EQ(policy->checks[1].id, "fw");
  EXPECT_EQ(policy->checks[1].interval, std::chrono::minutes(15));
}

TEST(PolicyTest, ReportsEveryBadCheckWithItsPath) {
  absl::StatusOr<Policy> policy = Parse(std::string(kHeader) + R"(checks:
  - id: os
    collector: os_inf
    interval: often
  - id: os
    colector: os_info
    interval: 0s
)");
  ASSERT_FALSE(policy.ok());
  const std::string message(policy.status().message());
  EXPECT_THAT(message, HasSubstr("p.yaml:9:16: checks[0].collector: unknown collector "
                                 "\"os_inf\"; did you mean \"os_info\"?"));
  EXPECT_THAT(message, HasSubstr("p.yaml:10:15: checks[0].interval: expected a duration like "
                                 "\"15m\" (units s, m, h, d), got \"often\""));
  EXPECT_THAT(message, HasSubstr("p.yaml:11:9: checks[1].id: duplicate check id \"os\""));
  EXPECT_THAT(message, HasSubstr("checks[1].colector: unknown key \"colector\"; did you mean "
                                 "\"collector\"?"));
  EXPECT_THAT(message, HasSubstr("checks[1].interval: expected a duration from 10s"));
}

TEST(PolicyTest, RejectsWrongHeader) {
  absl::StatusOr<Policy> policy = Parse(R"(apiVersion: candor/v2
kind: Polcy
metadata: {name: x, tenant: t, version: 0}
checks: []
)");
  ASSERT_FALSE(policy.ok());
  const std::string message(policy.status().message());
  EXPECT_THAT(message, HasSubstr("apiVersion: expected \"candor/v1\""));
  EXPECT_THAT(message, HasSubstr("kind: expected \"Policy\""));
  EXPECT_THAT(message, HasSubstr("metadata.version: expected a number from 1"));
  EXPECT_THAT(message, HasSubstr("checks: expected a non-empty list of checks"));
}

TEST(DurationTest, ParsesUnitsAndRejectsTheRest) {
  EXPECT_EQ(ParseDuration("30s"), std::chrono::seconds(30));
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
