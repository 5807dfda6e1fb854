#include "service/server_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace candor::service {
namespace {

using ::testing::HasSubstr;

TEST(ServerConfigTest, LoadsAGoodFile) {
  candor::testing::TempDir dir;
  candor::testing::WriteFile(dir / "server.yaml", R"(listen: 127.0.0.1:0
tls:
  cert: server.pem
  key: /etc/candor/server.key
  client_ca: ca.pem
storage: data/candor.db
)");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen.ToString(), "127.0.0.1:0");
  EXPECT_EQ(config->tls.cert, dir / "server.pem");
  EXPECT_EQ(config->tls.key, "/etc/candor/server.key");
  EXPECT_EQ(config->tls.client_ca, dir / "ca.pem");
  EXPECT_EQ(config->storage, dir / "data/candor.db");
}

TEST(ServerConfigTest, UnknownKeysAreErrorsWithFileAndLine) {
  candor::testing::TempDir dir;
  candor::testing::WriteFile(dir / "server.yaml", R"(listen: 127.0.0.1:0
tls:
  cert: server.pem
  key: server.key
  clientca: ca.pem
storage: candor.db
strage: other.db
)");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("server.yaml:5:3: tls.clientca: unknown key \"clientca\"; did "
                                 "you mean \"client_ca\"?"));
  EXPECT_THAT(message, HasSubstr("server.yaml:3:3: tls.client_ca: required key is missing"));
  EXPECT_THAT(message, HasSubstr("server.yaml:7:1: strage: unknown key \"strage\"; did you mean "
                                 "\"storage\"?"));
}

TEST(ServerConfigTest, DeviceLimitsHaveDefaultsAndBounds) {
  candor::testing::TempDir dir;
  const std::string base =
      "listen: 127.0.0.1:0\ntls: {cert: a, key: b, client_ca: c}\nstorage: d\n";
  candor::testing::WriteFile(dir / "server.yaml", base);
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->device_limits.events_per_second, 2000);
  EXPECT_EQ(config->device_limits.burst, 20000);

  candor::testing::WriteFile(dir / "server.yaml",
                             base + "device_limits: {events_per_second: 0, burst: 5000}\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->device_limits.events_per_second, 0);
  EXPECT_EQ(config->device_limits.burst, 5000);

  // A burst smaller than one full batch would refuse every full batch.
  candor::testing::WriteFile(dir / "server.yaml", base + "device_limits: {burst: 10}\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("device_limits.burst"));
}

TEST(ServerConfigTest, RetentionDefaultsToNinetyDays) {
  candor::testing::TempDir dir;
  const std::string base =
      "listen: 127.0.0.1:0\ntls: {cert: a, key: b, client_ca: c}\nstorage: d\n";
  candor::testing::WriteFile(dir / "server.yaml", base);
  EXPECT_EQ(LoadServerConfig(dir / "server.yaml")->retention, std::chrono::hours(24 * 90));
  candor::testing::WriteFile(dir / "server.yaml", base + "retention: 30d\n");
  EXPECT_EQ(LoadServerConfig(dir / "server.yaml")->retention, std::chrono::hours(24 * 30));
  candor::testing::WriteFile(dir / "server.yaml", base + "retention: 1h\n");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("retention"));
}

TEST(ServerConfigTest, BadListenAddress) {
  candor::testing::TempDir dir;
  candor::testing::WriteFile(dir / "server.yaml",
                             "listen: 7443\ntls: {cert: a, key: b, client_ca: c}\nstorage: d\n");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("server.yaml:1:9: listen: expected host:port"));
}

TEST(ServerConfigTest, MetricsListenDefaultsToLoopbackAndCanBeTurnedOff) {
  candor::testing::TempDir dir;
  const std::string base =
      "listen: 127.0.0.1:0\ntls: {cert: a, key: b, client_ca: c}\nstorage: d\n";
  candor::testing::WriteFile(dir / "server.yaml", base);
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->metrics_listen.has_value());
  EXPECT_EQ(config->metrics_listen->ToString(), "127.0.0.1:9464");

  candor::testing::WriteFile(dir / "server.yaml", base + "metrics_listen: 127.0.0.1:0\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(config->metrics_listen.has_value());
  EXPECT_EQ(config->metrics_listen->host, "127.0.0.1");
  EXPECT_EQ(config->metrics_listen->port, 0);

  candor::testing::WriteFile(dir / "server.yaml", base + "metrics_listen: \"[::1]:9100\"\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->metrics_listen->ToString(), "[::1]:9100");

  candor::testing::WriteFile(dir / "server.yaml", base + "metrics_listen: off\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->metrics_listen.has_value());
}

TEST(ServerConfigTest, BadMetricsListenNamesLineAndColumn) {
  candor::testing::TempDir dir;
  const std::string base =
      "listen: 127.0.0.1:0\ntls: {cert: a, key: b, client_ca: c}\nstorage: d\n";
  candor::testing::WriteFile(dir / "server.yaml", base + "metrics_listen: 9464\n");
  absl::StatusOr<ServerConfig> config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("server.yaml:4:17: metrics_listen: expected host:port like "
                        "\"127.0.0.1:9464\" or off, got \"9464\""));

  candor::testing::WriteFile(dir / "server.yaml", base + "metrics_listen: {host: a}\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("server.yaml:4:17: metrics_listen: expected host:port like "
                        "\"127.0.0.1:9464\" or off, got a mapping"));

  candor::testing::WriteFile(dir / "server.yaml", base + "metric_listen: off\n");
  config = LoadServerConfig(dir / "server.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("server.yaml:4:1: metric_listen: unknown key \"metric_listen\"; did you "
                        "mean \"metrics_listen\"?"));
}

}  // namespace
}  // namespace candor::service
