// End-to-end tests of the real binaries over real mutual TLS on loopback.

#include <signal.h>

#include <functional>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/service/test_events.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override { MakePki(pki()); }
  std::filesystem::path pki() const { return dir_ / "pki"; }

  TempDir dir_;
};

// Sends one batch on a fresh stream and returns the stream's outcome, the server's answer
// to the hello (the highest seq it holds) and the batch's ack, if any.
struct Exchange {
  grpc::Status status;
  std::optional<uint64_t> held;
  std::optional<uint64_t> acked;
};

Exchange SendBatch(v1::AgentService::Stub& stub, const v1::EventBatch& batch) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub.Connect(&context);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("test");
  v1::AgentMessage message;
  *message.mutable_batch() = batch;
  Exchange result;
  v1::ServerMessage reply;
  if (stream->Write(hello) && stream->Read(&reply) && reply.has_ack()) {
    result.held = reply.ack().up_to_seq();
    if (stream->Write(message) && stream->Read(&reply) && reply.has_ack()) {
      result.acked = reply.ack().up_to_seq();
    }
  }
  stream->WritesDone();
  result.status = stream->Finish();
  return result;
}

TEST_F(EndToEndTest, AgentDeliversEventsAndTheServerStoresEachOnce) {
  ServerUnderTest server(dir_.path(), pki());
  const auto agent = WriteAgentConfig(dir_.path(), pki(), server.port());
  RunResult first = RunAgentOnce(agent);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("every event up to seq 1 is stored"));
  RunResult second = RunAgentOnce(agent);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("up to seq 2"));

  const std::vector<nlohmann::json> events = ExportEvents(server.config());
  ASSERT_EQ(events.size(), 2u);
  const std::string uri = DeviceUri(pki());
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& e = events[i];
    EXPECT_EQ(e["seq"], i + 1);
    EXPECT_EQ(e["tenant"], "demo");
    EXPECT_EQ("candor://tenant/demo/device/" + e["device_id"].get<std::string>(), uri);
    EXPECT_EQ(e["collector"], "os_info");
    EXPECT_EQ(e["check"], "os");
    EXPECT_EQ(e["status"], "PASS");
    EXPECT_EQ(e["policy_version"], 2);
    EXPECT_TRUE(e["facts"].contains("kernel_release"));
    EXPECT_TRUE(e["facts"].contains("os_id"));
    EXPECT_FALSE(e["reason"].get<std::string>().empty());
  }
  EXPECT_EQ(server.Stop(), 0) << server.err();
  EXPECT_THAT(server.err(), HasSubstr("received SIGTERM"));
}

TEST_F(EndToEndTest, ClientWithoutCertificateGetsNoCallThrough) {
  ServerUnderTest server(dir_.path(), pki());
  auto stub = MakeStub(pki(), server.port(), "");
  const Exchange exchange = SendBatch(*stub, service::testing::MakeBatch(1, 1));
  EXPECT_FALSE(exchange.acked.has_value());
  // TLS lets it in (enrollment needs no certificate); the agent service does not.
  EXPECT_EQ(exchange.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(ExportEvents(server.config()).empty());
  // The server keeps serving others.
  ASSERT_EQ(RunAgentOnce(WriteAgentConfig(dir_.path(), pki(), server.port())).exit_code, 0);
  EXPECT_EQ(ExportEvents(server.config()).size(), 1u);
}

TEST_F(EndToEndTest, ClientWithCertificateFromAnotherCaGetsNoCallThrough) {
  ServerUnderTest server(dir_.path(), pki());
  auto stub = MakeStub(pki(), server.port(), "rogue-device");
  const Exchange exchange = SendBatch(*stub, service::testing::MakeBatch(1, 1));
  EXPECT_FALSE(exchange.acked.has_value());
  EXPECT_EQ(exchange.status.error_code(), grpc::StatusCode::UNAVAILABLE);

  const RunResult agent =
      RunAgentOnce(WriteAgentConfig(dir_.path(), pki(), server.port(), "rogue-device"));
  EXPECT_EQ(agent.exit_code, 1) << agent.err;
  EXPECT_TRUE(ExportEvents(server.config()).empty());
}

TEST_F(EndToEndTest, AgentRefusesAServerItCannotVerifyAndSaysWhy) {
  ServerUnderTest server(dir_.path(), pki());
  const RunResult agent =
      RunAgentOnce(WriteAgentConfig(dir_.path(), pki(), server.port(), "device", "rogue-ca"));
  EXPECT_EQ(agent.exit_code, 1);
  EXPECT_THAT(agent.err, HasSubstr("cannot deliver to localhost:"));
  EXPECT_THAT(agent.err, HasSubstr("certificate verify failed"));
  EXPECT_TRUE(ExportEvents(server.config()).empty());
}

TEST_F(EndToEndTest, ReplayedBatchIsAckedAndStoredOnce) {
  ServerUnderTest server(dir_.path(), pki());
  auto stub = MakeStub(pki(), server.port(), "device");
  const v1::EventBatch batch = service::testing::MakeBatch(1, 3);
  const Exchange first = SendBatch(*stub, batch);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(first.held, 0u);
  EXPECT_EQ(first.acked, 3u);
  const Exchange replay = SendBatch(*stub, batch);
  ASSERT_TRUE(replay.status.ok()) << replay.status.error_message();
  EXPECT_EQ(replay.held, 3u);
  EXPECT_EQ(replay.acked, 3u);
  EXPECT_EQ(ExportEvents(server.config()).size(), 3u);
}

TEST_F(EndToEndTest, InvalidAndOversizeBatchesAreRefusedAndNothingIsStored) {
  ServerUnderTest server(dir_.path(), pki());
  auto stub = MakeStub(pki(), server.port(), "device");
  v1::EventBatch backwards = service::testing::MakeBatch(1, 3);
  backwards.mutable_events(2)->set_seq(2);
  backwards.set_last_seq(2);
  const Exchange invalid = SendBatch(*stub, backwards);
  EXPECT_EQ(invalid.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(invalid.status.error_message(), HasSubstr("event 2 has seq 2"));

  v1::EventBatch huge = service::testing::MakeBatch(1, 1);
  huge.mutable_events(0)->set_reason(std::string(3 << 20, 'x'));
  const Exchange oversize = SendBatch(*stub, huge);
  EXPECT_EQ(oversize.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  EXPECT_TRUE(ExportEvents(server.config()).empty());
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_THAT(server.err(), HasSubstr("not stored: event 2 has seq 2"));
  EXPECT_THAT(server.err(), Not(HasSubstr(std::string(100, 'x'))));  // no payloads in logs
}

TEST_F(EndToEndTest, AFloodingDeviceIsSlowedDownAndNothingOfTheRefusedBatchIsStored) {
  ServerUnderTest server(dir_.path(), pki(), 0,
                         "device_limits:\n  events_per_second: 10\n  burst: 1000\n");
  auto stub = MakeStub(pki(), server.port(), "device");
  const Exchange first = SendBatch(*stub, service::testing::MakeBatch(1, 1000));
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(first.acked, 1000u);
  const Exchange flood = SendBatch(*stub, service::testing::MakeBatch(1001, 1100));
  EXPECT_EQ(flood.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(flood.status.error_message(), HasSubstr("per-device limit"));
  EXPECT_FALSE(flood.acked.has_value());
  EXPECT_EQ(ExportEvents(server.config()).size(), 1000u);
  EXPECT_THAT(server.err(), Not(HasSubstr("not stored")));  // refusals are not logged one by one
}

TEST_F(EndToEndTest, UnreachableServerExitsOneAndKeepsEventsForTheNextRun) {
  int port = 0;
  {
    // A port that was just free: start a server to learn one, then stop it.
    ServerUnderTest gone(dir_.path() / "gone", pki());
    port = gone.port();
    ASSERT_EQ(gone.Stop(), 0);
  }
  const auto agent = WriteAgentConfig(dir_.path(), pki(), port);
  const RunResult offline = RunAgentOnce(agent);
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_THAT(offline.err, HasSubstr("cannot deliver to localhost:" + std::to_string(port)));
  EXPECT_THAT(offline.err, HasSubstr("1 event(s) stay in"));

  ServerUnderTest server(dir_.path(), pki());
  const RunResult online = RunAgentOnce(WriteAgentConfig(dir_.path(), pki(), server.port()));
  ASSERT_EQ(online.exit_code, 0) << online.err;
  const std::vector<nlohmann::json> events = ExportEvents(server.config());
  ASSERT_EQ(events.size(), 2u);  // the one kept from the offline run, and the new one
  EXPECT_EQ(events[0]["seq"], 1);
  EXPECT_EQ(events[1]["seq"], 2);
}

TEST_F(EndToEndTest, DaemonModeDeliversThenStopsCleanlyOnSigterm) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  Process agent({CANDOR_AGENT_BIN, "--config", config.string()});
  // The first round runs at start; poll the server's store for it (bounded).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  size_t stored = 0;
  while (stored == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stored = ExportEvents(server.config()).size();
  }
  EXPECT_EQ(stored, 1u);
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(10)), 0);
  EXPECT_THAT(agent.err(), HasSubstr("running valid policy \"test\" version 2, 1 check"));
  EXPECT_THAT(agent.err(), HasSubstr("candor-agent: stopped"));
}

// Polls the server's store until `accept` holds for some stored event (bounded).
std::optional<nlohmann::json> WaitForEvent(
    const std::filesystem::path& server_config,
    const std::function<bool(const nlohmann::json&)>& accept) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const nlohmann::json& event : ExportEvents(server_config)) {
      if (accept(event)) return event;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

TEST_F(EndToEndTest, DaemonAppliesPolicyChangesAndReportsRejectedOnes) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  Process agent({CANDOR_AGENT_BIN, "--config", config.string()});
  ASSERT_TRUE(WaitForEvent(server.config(),
                           [](const nlohmann::json& e) { return e["policy_version"] == 2; }));

  // A changed check runs at once under the new version.
  WritePolicy(dir_.path(), 3, "2h");
  ASSERT_TRUE(WaitForEvent(server.config(), [](const nlohmann::json& e) {
    return e["check"] == "os" && e["policy_version"] == 3;
  })) << agent.err();

  // A broken policy is refused, reported to the server, and version 3 stays in force.
  WritePolicy(dir_.path(), 4, "often");
  std::optional<nlohmann::json> rejected = WaitForEvent(
      server.config(), [](const nlohmann::json& e) { return e["check"] == "policy_rejected"; });
  ASSERT_TRUE(rejected) << agent.err();
  EXPECT_EQ((*rejected)["status"], "ERROR");
  EXPECT_EQ((*rejected)["policy_version"], 3);
  EXPECT_THAT((*rejected)["reason"].get<std::string>(),
              HasSubstr("checks[0].interval: expected a duration"));
  EXPECT_EQ((*rejected)["facts"]["error_count"], 1);

  // SIGHUP reloads (and does not end the agent).
  WritePolicy(dir_.path(), 5, "3h");
  ::kill(agent.pid(), SIGHUP);
  ASSERT_TRUE(WaitForEvent(server.config(), [](const nlohmann::json& e) {
    return e["policy_version"] == 5;
  })) << agent.err();
  EXPECT_EQ(agent.Stop(SIGTERM, std::chrono::seconds(10)), 0);
  EXPECT_THAT(agent.err(), HasSubstr("version 3 stays in force"));
  EXPECT_THAT(agent.err(), HasSubstr("applied valid policy \"test\" version 5"));
}

TEST_F(EndToEndTest, ABrokenPolicyAtStartFallsBackToTheLastGoodOne) {
  ServerUnderTest server(dir_.path(), pki());
  const auto config = WriteAgentConfig(dir_.path(), pki(), server.port());
  ASSERT_EQ(RunAgentOnce(config).exit_code, 0);
  WritePolicy(dir_.path(), 7, "0s");
  const RunResult run = RunAgentOnce(config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("keeping the last good policy (version 2)"));
  const std::vector<nlohmann::json> events = ExportEvents(server.config());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1]["check"], "policy_rejected");
  EXPECT_EQ(events[2]["check"], "os");
  EXPECT_EQ(events[2]["policy_version"], 2);
}

TEST_F(EndToEndTest, NoUsablePolicyMeansTheAgentDoesNotStart) {
  const auto config = WriteAgentConfig(dir_.path(), pki(), 1);
  WritePolicy(dir_.path(), 1, "soon");
  const RunResult run = RunAgentOnce(config);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("policy.yaml:8:15: checks[0].interval"));
}

TEST_F(EndToEndTest, ServerRefusesABadConfigNamingFileAndLine) {
  WriteFile(dir_ / "server.yaml", "listen: 127.0.0.1:0\nlisten_port: 7\n");
  const RunResult r =
      candor::testing::Run({CANDOR_SERVER_BIN, "--config", (dir_ / "server.yaml").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("server.yaml:2:1: listen_port: unknown key \"listen_port\""));
  EXPECT_THAT(r.err, HasSubstr("tls: required key is missing"));
}

TEST_F(EndToEndTest, AgentRefusesAnUnsafeStateDir) {
  ServerUnderTest server(dir_.path(), pki());
  const auto agent = WriteAgentConfig(dir_.path(), pki(), server.port());
  std::filesystem::create_directory(dir_ / "elsewhere");
  std::filesystem::create_directory_symlink(dir_ / "elsewhere", dir_ / "state-device");
  const RunResult r = RunAgentOnce(agent);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is a symbolic link; refusing to use it"));
}

TEST_F(EndToEndTest, CheckCommandRunsLocallyOnAHostTreeAndSendsNothing) {
  const RunResult json = candor::testing::Run({CANDOR_AGENT_BIN, "check", "--host-root",
                                               CANDOR_TEST_DATA "/hosts/home-pc-bare", "--format",
                                               "json", "--only", "secure_boot", "auto_login"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  EXPECT_TRUE(doc["policy"].is_null());
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(doc["results"][0]["check"], "secure_boot");
  EXPECT_EQ(doc["results"][0]["status"], "FAIL");
  EXPECT_EQ(doc["results"][0]["facts"]["uefi"], true);
  EXPECT_EQ(doc["results"][1]["reason"], "automatic login is enabled in GDM and LightDM");

  WritePolicy(dir_.path(), 1);
  const RunResult table =
      candor::testing::Run({CANDOR_AGENT_BIN, "check", "--policy", (dir_ / "policy.yaml").string(),
                            "--host-root", CANDOR_TEST_DATA "/hosts/debian12"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("os               os_info          PASS           Debian"));

  const RunResult no_root =
      candor::testing::Run({CANDOR_AGENT_BIN, "check", "--host-root", "/nonexistent/tree"});
  EXPECT_EQ(no_root.exit_code, 2);
  EXPECT_THAT(no_root.err, HasSubstr("--host-root: /nonexistent/tree is not a directory"));

  const RunResult unknown = candor::testing::Run({CANDOR_AGENT_BIN, "check", "--only", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("--only: no check \"nope\""));
}

TEST_F(EndToEndTest, CommandLineHelpAndPolicyChecks) {
  for (const char* bin : {CANDOR_AGENT_BIN, CANDOR_SERVER_BIN, CANDOR_CTL_BIN}) {
    const RunResult help = candor::testing::Run({bin, "--help"});
    EXPECT_EQ(help.exit_code, 0) << bin;
    EXPECT_THAT(help.out, HasSubstr("Usage:")) << bin;
  }
  // After a command too, as people type it.
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{CANDOR_AGENT_BIN, "enroll", "--help"},
        {CANDOR_SERVER_BIN, "init", "--help"},
        {CANDOR_CTL_BIN, "policy", "push", "--help"},
        {CANDOR_CTL_BIN, "report", "compliance", "-h"}}) {
    const RunResult help = candor::testing::Run(argv);
    EXPECT_EQ(help.exit_code, 0) << argv[0] << " " << argv[1];
    EXPECT_THAT(help.out, HasSubstr("Usage:")) << argv[0] << " " << argv[1];
  }
  WriteFile(dir_ / "bad.yaml", "apiVersion: candor/v1\nkind: Policy\n");
  const RunResult lint =
      candor::testing::Run({CANDOR_CTL_BIN, "policy", "lint", (dir_ / "bad.yaml").string()});
  EXPECT_EQ(lint.exit_code, 1);
  EXPECT_THAT(lint.err, HasSubstr("metadata: required key is missing"));
  const RunResult validate = candor::testing::Run(
      {CANDOR_AGENT_BIN, "policy", "validate", CANDOR_SOURCE_DIR "/config/examples/minimal.yaml"});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_THAT(validate.out, HasSubstr("valid policy \"minimal\" version 1"));
}

}  // namespace
}  // namespace candor::testing
