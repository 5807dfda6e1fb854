#include "collectors/posture/firewall.h"

#include "collectors/firewall_rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/collectors/fixture.h"

namespace candor::collectors::posture {
namespace {

using testing::Fact;
using testing::Fixture;
using ::testing::HasSubstr;

TEST(FirewallTest, UfwWithDefaultDenyPasses) {
  const CheckResult r = Firewall().Collect(Fixture("laptop-hardened"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "inbound traffic is denied by default (ufw)");
  EXPECT_EQ(Fact<std::string>(r, "manager"), "ufw");
  EXPECT_TRUE(Fact<bool>(r, "ipv6_default_deny"));
}

TEST(FirewallTest, AnEmptyRulesetFails) {
  const CheckResult r = Firewall().Collect(Fixture("home-pc-bare"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "no firewall rule denies inbound traffic by default");
}

TEST(FirewallTest, NftablesOnlyWithAFinalDropRulePasses) {
  const CheckResult r = Firewall().Collect(Fixture("legacy-bios"), {});
  EXPECT_EQ(r.status, CheckStatus::kPass) << r.reason;
  EXPECT_EQ(r.reason, "inbound traffic is denied by default (inet filter input)");
  EXPECT_EQ(Fact<std::string>(r, "manager"), "nftables");
}

TEST(FirewallTest, FirewalldPassesUnlessItsZoneIsTrusted) {
  const CheckResult ok = Firewall().Collect(Fixture("fedora-setup-mode"), {});
  EXPECT_EQ(ok.status, CheckStatus::kPass);
  EXPECT_EQ(ok.reason, "firewalld is running (default zone FedoraWorkstation)");
  const CheckResult open = Firewall().Collect(Fixture("fedora-download-only"), {});
  EXPECT_EQ(open.status, CheckStatus::kFail);
  EXPECT_THAT(open.reason, HasSubstr("\"trusted\""));
}

TEST(FirewallTest, IptablesWithoutIpv6RulesFails) {
  const CheckResult r = Firewall().Collect(Fixture("ubuntu2404"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "IPv4 inbound is denied by default (iptables INPUT) but IPv6 inbound is not");
  EXPECT_EQ(Fact<std::string>(r, "manager"), "iptables");
}

TEST(FirewallTest, NothingInstalledFails) {
  const CheckResult r = Firewall().Collect(Fixture("container"), {});
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.reason, "no firewall: neither firewalld, nftables nor iptables is installed");
}

TEST(FirewallTest, RulesetUnreadableWithoutRootIsAnError) {
  const CheckResult r = Firewall().Collect(Fixture("no-os-release"), {});
  EXPECT_EQ(r.status, CheckStatus::kError);
  EXPECT_THAT(r.reason, HasSubstr("needs root"));
}

TEST(FirewallRulesTest, OnlyUnconditionalDropsAtTheEndCount) {
  auto policy = InboundPolicyFromNftJson(R"({"nftables": [
    {"chain": {"family": "inet", "table": "t", "name": "in", "type": "filter",
               "hook": "input", "prio": 0, "policy": "accept"}},
    {"rule": {"family": "inet", "table": "t", "chain": "in",
              "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}},
                                  "right": "eth0"}}, {"drop": null}]}},
    {"chain": {"family": "ip", "table": "nat", "name": "pre", "type": "nat",
               "hook": "prerouting", "prio": -100, "policy": "drop"}}]})");
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->ipv4_default_deny);  // the drop only matches eth0
  EXPECT_FALSE(InboundPolicyFromNftJson("not json").ok());
  EXPECT_FALSE(InboundPolicyFromNftJson("[1, 2]").ok());
  // Found by the fuzzer: a number where a string belongs must not throw.
  auto odd = InboundPolicyFromNftJson(R"({"nftables": [
    {"chain": {"family": 7, "table": [], "name": {}, "type": "filter", "hook": 12,
               "policy": false}},
    {"rule": {"family": null, "table": 1, "chain": 2.5, "expr": "drop"}}]})");
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->ipv4_default_deny);
  EXPECT_TRUE(InboundPolicyFromIptablesSave("*nat\n:INPUT DROP [0:0]\nCOMMIT\n", false)
                  .where.empty());  // INPUT of the nat table is not the filter
}

}  // namespace
}  // namespace candor::collectors::posture
