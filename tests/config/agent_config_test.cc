#include "config/agent_config.h"

#include "config/policy_signature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::config {
namespace {

using ::testing::HasSubstr;

constexpr const char* kGood = R"(server: candor.example.com:7443
tls:
  ca: pki/ca.pem
  cert: /etc/candor/device.pem
  key: pki/device.key
state_dir: /var/lib/candor
policy: policy.yaml
connect_timeout: 20s
)";

TEST(AgentConfigTest, LoadsAGoodFileResolvingRelativePaths) {
  testing::TempDir dir;
  testing::WriteFile(dir / "agent.yaml", kGood);
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server.host, "candor.example.com");
  EXPECT_EQ(config->server.port, 7443);
  EXPECT_EQ(config->tls.ca, dir / "pki/ca.pem");
  EXPECT_EQ(config->tls.cert, "/etc/candor/device.pem");
  EXPECT_EQ(config->state_dir, "/var/lib/candor");
  EXPECT_EQ(config->policy, dir / "policy.yaml");
  EXPECT_EQ(config->connect_timeout, std::chrono::seconds(20));
}

TEST(AgentConfigTest, WithoutTlsFilesTheEnrolledIdentityIsUsed) {
  testing::TempDir dir;
  testing::WriteFile(dir / "agent.yaml",
                     "server: candor.example.com:7443\nstate_dir: /var/lib/candor\n"
                     "policy: policy.yaml\ntls:\n  ca: /etc/candor/ca.pem\n");
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tls.ca, "/etc/candor/ca.pem");
  EXPECT_EQ(config->tls.cert, "/var/lib/candor/identity/device.pem");
  EXPECT_EQ(config->tls.key, "/var/lib/candor/identity/device.key");
}

TEST(AgentConfigTest, SpoolAndBackoffHaveDefaultsAndCanBeSet) {
  testing::TempDir dir;
  testing::WriteFile(dir / "agent.yaml", kGood);
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->spool.max_bytes, uint64_t{256} << 20);
  EXPECT_EQ(config->spool.sync_interval, std::chrono::milliseconds(200));
  EXPECT_EQ(config->reconnect_max_backoff, std::chrono::minutes(5));

  testing::WriteFile(dir / "agent.yaml",
                     std::string(kGood) +
                         "reconnect_max_backoff: 1m\nspool: {max_mib: 64, sync_interval_ms: 50}\n");
  config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->spool.max_bytes, uint64_t{64} << 20);
  EXPECT_EQ(config->spool.sync_interval, std::chrono::milliseconds(50));
  EXPECT_EQ(config->reconnect_max_backoff, std::chrono::minutes(1));

  testing::WriteFile(dir / "agent.yaml",
                     std::string(kGood) + "spool: {max_mib: 1, sync_intervall_ms: 50}\n");
  config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("spool.max_mib"));
  EXPECT_THAT(message, HasSubstr("did you mean \"sync_interval_ms\""));
}

TEST(AgentConfigTest, LedgerBoundsHaveDefaultsAndCanBeSet) {
  testing::TempDir dir;
  testing::WriteFile(dir / "agent.yaml", kGood);
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ledger.max_age, std::chrono::hours(30 * 24));
  EXPECT_EQ(config->ledger.max_bytes, uint64_t{16} << 20);

  testing::WriteFile(dir / "agent.yaml",
                     std::string(kGood) + "ledger: {max_age: 7d, max_mib: 2}\n");
  config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ledger.max_age, std::chrono::hours(7 * 24));
  EXPECT_EQ(config->ledger.max_bytes, uint64_t{2} << 20);

  testing::WriteFile(dir / "agent.yaml", std::string(kGood) + "ledger: {max_age: 1h}\n");
  config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("ledger.max_age"));
}

TEST(AgentConfigTest, LimitsHaveDefaultsBoundsAndCanBeSet) {
  testing::TempDir dir;
  testing::WriteFile(dir / "agent.yaml", kGood);
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->limits.memory_bytes, uint64_t{64} << 20);
  EXPECT_EQ(config->limits.cpu_percent, 20);
  EXPECT_EQ(config->limits.window, std::chrono::seconds(60));
  EXPECT_EQ(config->limits.cooldown, std::chrono::hours(1));

  testing::WriteFile(dir / "agent.yaml",
                     std::string(kGood) +
                         "limits: {memory_mib: 128, cpu_percent: 50, window: 30s, cooldown: 2h}\n");
  config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->limits.memory_bytes, uint64_t{128} << 20);
  EXPECT_EQ(config->limits.cpu_percent, 50);
  EXPECT_EQ(config->limits.window, std::chrono::seconds(30));
  EXPECT_EQ(config->limits.cooldown, std::chrono::hours(2));

  testing::WriteFile(dir / "agent.yaml", std::string(kGood) +
                                             "limits:\n  cpu_percent: 150\n  window: 1s\n"
                                             "  memory_mib: 8\n  cool_down: 1h\n");
  config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr(":10:16: limits.cpu_percent"));
  EXPECT_THAT(message, HasSubstr("limits.window"));
  EXPECT_THAT(message, HasSubstr("limits.memory_mib"));
  EXPECT_THAT(message, HasSubstr("did you mean \"cooldown\""));
}

TEST(AgentConfigTest, UnknownKeyNamesFileLineAndNearestKey) {
  testing::TempDir dir;
  std::string text = kGood;
  text.replace(text.find("state_dir"), 9, "state_dri");
  testing::WriteFile(dir / "agent.yaml", text);
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("agent.yaml:6:1: state_dri: unknown key \"state_dri\"; did you "
                                 "mean \"state_dir\"?"));
  EXPECT_THAT(message, HasSubstr("state_dir: required key is missing"));
}

TEST(AgentConfigTest, ReportsEveryWrongValue) {
  testing::TempDir dir;
  testing::WriteFile(dir / "agent.yaml", R"(server: "no port here"
tls: [a, b]
state_dir: /x
policy: {a: 1}
connect_timeout: soon
)");
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr(":1:9: server: expected host:port"));
  EXPECT_THAT(message, HasSubstr(":2:6: tls: expected a mapping, got a list"));
  EXPECT_THAT(message, HasSubstr(":4:9: policy: expected a non-empty string, got a mapping"));
  EXPECT_THAT(message, HasSubstr(":5:18: connect_timeout: expected a duration like \"15m\""));
}

TEST(AgentConfigTest, PolicyKeysArePinsAndThePolicyFileIsOptional) {
  testing::TempDir dir;
  absl::StatusOr<std::string> signing = NewSigningKeyPem();
  ASSERT_TRUE(signing.ok());
  absl::StatusOr<std::string> pin = PublicKeyPin(*signing);
  ASSERT_TRUE(pin.ok());
  testing::WriteFile(dir / "agent.yaml",
                     "server: candor.example.com:7443\nstate_dir: /s\n"
                     "policy_keys: [\"" +
                         *pin + "\"]\n");
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(dir / "agent.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->policy.empty());
  ASSERT_EQ(config->policy_keys.size(), 1u);
  EXPECT_EQ(config->policy_keys[0].public_raw.size(), 32u);

  testing::WriteFile(dir / "bad.yaml",
                     "server: candor.example.com:7443\nstate_dir: /s\n"
                     "policy_keys:\n  - \"" +
                         *pin + "\"\n  - \"ssh-ed25519 AAAA\"\n");
  absl::StatusOr<AgentConfig> bad = LoadAgentConfig(dir / "bad.yaml");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bad.yaml:5:5: policy_keys[1]"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("expected \"ed25519:\""));

  testing::WriteFile(dir / "scalar.yaml",
                     "server: candor.example.com:7443\nstate_dir: /s\npolicy_keys: one\n");
  EXPECT_THAT(std::string(LoadAgentConfig(dir / "scalar.yaml").status().message()),
              HasSubstr("policy_keys: expected a list of keys"));
}

TEST(AgentConfigTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadAgentConfig("/nonexistent/agent.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(HostPortTest, ParsesNamesAddressesAndBracketedIpv6) {
  EXPECT_EQ(ParseHostPort("localhost:0")->port, 0);
  EXPECT_EQ(ParseHostPort("[::1]:7443")->host, "::1");
  EXPECT_EQ(ParseHostPort("[::1]:7443")->ToString(), "[::1]:7443");
  EXPECT_EQ(ParseHostPort("10.0.0.1:65535")->port, 65535);
  EXPECT_FALSE(ParseHostPort("localhost"));
  EXPECT_FALSE(ParseHostPort("localhost:65536"));
  EXPECT_FALSE(ParseHostPort("local host:1"));
  EXPECT_FALSE(ParseHostPort(":1"));
  EXPECT_FALSE(ParseHostPort("[::1:1"));
}

}  // namespace
}  // namespace candor::config
