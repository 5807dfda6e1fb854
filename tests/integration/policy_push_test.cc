// Signed policy push end to end: candorctl keys create / policy push, the real
// candor-server, and enrolled agents (the real candor-agent, or a raw stream with a
// device's identity) over real TLS on loopback.

#include <csignal>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/installation.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;

std::string PolicyFor(const std::string& tenant, int version, const std::string& interval = "1h") {
  return "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: pushed, tenant: " + tenant +
         ", version: " + std::to_string(version) +
         "}\nnotice: Pushed by the integration test.\nchecks:\n  - {id: os, collector: os_info, "
         "interval: " +
         interval + "}\n";
}

class PolicyPushTest : public Installation {
 protected:
  // A signing key made by candorctl; returns its pin.
  std::string SigningKey(const std::string& name) {
    const RunResult r = candor::testing::Run(
        {CANDOR_CTL_BIN, "keys", "create", "--out", (dir_.path() / name).string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  RunResult Push(const std::string& tenant, int version, const std::string& key,
                 const std::string& group = "", const std::string& admin = "mia",
                 const std::string& file_tenant = "") {
    const fs::path file = dir_.path() / ("push-" + std::to_string(version) + ".yaml");
    WriteFile(file, PolicyFor(file_tenant.empty() ? tenant : file_tenant, version));
    std::vector<std::string> args = {
        "policy", "push", file.string(), "--tenant", tenant, "--key", (dir_.path() / key).string()};
    if (!group.empty()) args.insert(args.end(), {"--group", group});
    return Ctl(args, admin);
  }

  // Polls the device list (bounded) until `done` holds for the device; the last list.
  nlohmann::json WaitForDevice(const std::string& id,
                               const std::function<bool(const nlohmann::json&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    nlohmann::json last;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const nlohmann::json& d : Devices("acme")) {
        if (d["device_id"] == id) last = d;
      }
      if (!last.is_null() && done(last)) return last;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return last;
  }

  // A raw stream with an enrolled identity: the hello (saying it runs `policy_version`) and
  // its ack; then the stream is the caller's.
  struct RawStream {
    std::unique_ptr<v1::AgentService::Stub> stub;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::ServerMessage>> stream;
  };
  std::unique_ptr<RawStream> Connect(const fs::path& state, uint64_t policy_version) {
    auto raw = std::make_unique<RawStream>();
    raw->stub = DeviceStub(state / "identity", server_->port());
    raw->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    raw->stream = raw->stub->Connect(&raw->context);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_version("test");
    hello.mutable_hello()->set_policy_version(policy_version);
    v1::ServerMessage ack;
    EXPECT_TRUE(raw->stream->Write(hello) && raw->stream->Read(&ack) && ack.has_ack());
    return raw;
  }
};

TEST_F(PolicyPushTest, APushReachesARunningAgentWhichAppliesItAndTheServerShowsIt) {
  const std::string pin = SigningKey("admin.key");
  EXPECT_THAT(pin, ::testing::MatchesRegex("ed25519:[A-Za-z0-9+/]{43}="));
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  const std::string id = DeviceId(state);
  // No local policy: the agent runs what its admins sign.
  Process agent({CANDOR_AGENT_BIN, "--config",
                 AgentConfig(state, false, "policy_keys: [\"" + pin + "\"]\n").string()});
  WaitForDevice(id, [](const nlohmann::json& d) { return d["last_contact_ms"] > 0; });

  const RunResult pushed = Push("acme", 7, "admin.key");
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_THAT(pushed.out, HasSubstr("version 7 to tenant acme"));
  EXPECT_THAT(pushed.out, HasSubstr("sent at once on 1 open agent stream(s)"));
  nlohmann::json device =
      WaitForDevice(id, [](const nlohmann::json& d) { return d["policy_version"] == 7; });
  EXPECT_EQ(device["policy_version"], 7);
  EXPECT_TRUE(fs::exists(state / "policy.pushed.pb"));

  // The next version replaces it the same way; the list shows both, newest first.
  ASSERT_EQ(Push("acme", 8, "admin.key").exit_code, 0);
  device = WaitForDevice(id, [](const nlohmann::json& d) { return d["policy_version"] == 8; });
  EXPECT_EQ(device["policy_version"], 8);
  const RunResult list = Ctl({"policy", "list", "--tenant", "acme", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const nlohmann::json policies = nlohmann::json::parse(list.out);
  ASSERT_EQ(policies.size(), 2u);
  EXPECT_EQ(policies[0]["version"], 8);
  EXPECT_EQ(policies[0]["pushed_by"], "mia (msp-admin)");

  ASSERT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(20)), 0);
  EXPECT_THAT(agent.err(), HasSubstr("version 8, 1 check from the server"));
}

TEST_F(PolicyPushTest, TheAgentRefusesAPolicySignedByAKeyItDoesNotPin) {
  const std::string pinned = SigningKey("pinned.key");
  SigningKey("stranger.key");
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  const std::string id = DeviceId(state);
  Process agent({CANDOR_AGENT_BIN, "--config",
                 AgentConfig(state, true, "policy_keys: [\"" + pinned + "\"]\n").string()});
  WaitForDevice(id, [](const nlohmann::json& d) { return d["last_contact_ms"] > 0; });

  ASSERT_EQ(Push("acme", 5, "stranger.key").exit_code, 0);
  // The refusal comes back as a policy_rejected event; version 2 (the local file) stays.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string reason;
  while (reason.empty() && std::chrono::steady_clock::now() < deadline) {
    for (const nlohmann::json& e : ExportEvents(install() / "server.yaml")) {
      if (e["check"] == "policy_rejected") reason = e["reason"];
    }
    if (reason.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_THAT(reason, HasSubstr("not pinned"));
  EXPECT_EQ(WaitForDevice(id, [](const nlohmann::json&) { return true; })["policy_version"], 2);
  ASSERT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(20)), 0);
  EXPECT_THAT(agent.err(), HasSubstr("policy from the server refused; version 2 stays in force"));
}

TEST_F(PolicyPushTest, TheServerRefusesOldVersionsOtherTenantsAndOtherRoles) {
  SigningKey("admin.key");
  ASSERT_EQ(Push("acme", 4, "admin.key").exit_code, 0);

  const RunResult older = Push("acme", 3, "admin.key");
  EXPECT_EQ(older.exit_code, 1);
  EXPECT_THAT(older.err, HasSubstr("version 3 is not newer than version 4"));
  // A group's policy too: versions rise per tenant.
  EXPECT_EQ(Push("acme", 4, "admin.key", "sales").exit_code, 1);

  const RunResult mismatch = Push("beta", 9, "admin.key", "", "mia", "acme");
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_THAT(mismatch.err, HasSubstr("metadata.tenant: acme, not beta"));

  AdminCert("bo", "tenant-admin", "beta");
  const RunResult other_tenant = Push("acme", 10, "admin.key", "", "bo");
  EXPECT_EQ(other_tenant.exit_code, 1);
  EXPECT_THAT(other_tenant.err, HasSubstr("may not policy.push for tenant acme"));
  EXPECT_EQ(Push("beta", 11, "admin.key", "", "bo").exit_code, 0);
  EXPECT_EQ(Ctl({"policy", "list", "--tenant", "acme"}, "bo").exit_code, 1);

  AdminCert("ann", "analyst", "acme");
  EXPECT_EQ(Push("acme", 12, "admin.key", "", "ann").exit_code, 1);

  const RunResult audit = Ctl({"audit", "--tenant", "acme"});
  EXPECT_THAT(audit.out, HasSubstr("mia (msp-admin)  policy.push tenant=acme version=4"));
  EXPECT_THAT(audit.out, HasSubstr("bo (tenant-admin of beta)  policy.push tenant=acme"));
  EXPECT_THAT(audit.out, HasSubstr("refused: version 3 is not newer"));
}

TEST_F(PolicyPushTest, EachDeviceGetsItsGroupsPolicyOrElseItsTenants) {
  SigningKey("admin.key");
  const fs::path sales = dir_.path() / "sales-laptop";
  const fs::path plain = dir_.path() / "plain-laptop";
  const RunResult group_token = Ctl(
      {"token", "create", "--tenant", "acme", "--group", "sales", "--uses", "1", "--ttl", "1h"});
  ASSERT_EQ(group_token.exit_code, 0) << group_token.err;
  ASSERT_EQ(Enroll(sales, group_token.out.substr(0, group_token.out.find('\n'))).exit_code, 0);
  ASSERT_EQ(Enroll(plain, Token("acme", 1)).exit_code, 0);
  ASSERT_EQ(Push("acme", 1, "admin.key").exit_code, 0);
  ASSERT_EQ(Push("acme", 2, "admin.key", "sales").exit_code, 0);

  // Offered after the hello, to each its own.
  for (const auto& [state, version, group] :
       {std::tuple<fs::path, int, std::string>{sales, 2, "sales"}, {plain, 1, ""}}) {
    auto raw = Connect(state, 0);
    v1::ServerMessage update;
    ASSERT_TRUE(raw->stream->Read(&update));
    ASSERT_TRUE(update.has_policy_update());
    EXPECT_EQ(update.policy_update().policy().policy_yaml(), PolicyFor("acme", version));
    EXPECT_EQ(update.policy_update().policy().group(), group);
    raw->context.TryCancel();
  }

  // An open stream gets a push at once; what a device reports is recorded for it alone,
  // whatever it sends: the server knows a stream's device only from its certificate.
  auto raw = Connect(plain, 1);
  ASSERT_EQ(Push("acme", 3, "admin.key").exit_code, 0);
  v1::ServerMessage update;
  ASSERT_TRUE(raw->stream->Read(&update));
  EXPECT_EQ(update.policy_update().policy().policy_yaml(), PolicyFor("acme", 3));
  v1::AgentMessage status;
  status.mutable_policy_status()->set_version(3);
  status.mutable_policy_status()->set_applied(true);
  status.mutable_policy_status()->set_in_force(3);
  ASSERT_TRUE(raw->stream->Write(status));
  const nlohmann::json device = WaitForDevice(
      DeviceId(plain), [](const nlohmann::json& d) { return d["policy_version"] == 3; });
  EXPECT_EQ(device["policy_version"], 3);
  EXPECT_EQ(
      WaitForDevice(DeviceId(sales), [](const nlohmann::json&) { return true; })["policy_version"],
      0);
  raw->context.TryCancel();
}

}  // namespace
}  // namespace candor::testing
