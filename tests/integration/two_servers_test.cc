// Two candor-server processes on one PostgreSQL database behave as one: enrollment with one
// token through both, events stored once whichever server they reach, a policy pushed
// through one offered on a stream open on the other, a revocation through one cutting a
// stream on the other, reports through either seeing every device. Real binaries, real TLS
// on loopback; the database is a fresh one on $CANDOR_TEST_POSTGRES's cluster.

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/installation.h"
#include "tests/service/store_backends.h"
#include "tests/service/test_events.h"

namespace candor::testing {
namespace {

using service::testing::Backend;
using ::testing::HasSubstr;

class TwoServersTest : public Installation {
 protected:
  void SetUp() override {
    CANDOR_SKIP_WITHOUT_POSTGRES(Backend::kPostgres);
    ASSERT_TRUE(database_.Create().ok());
    const RunResult init =
        candor::testing::Run({CANDOR_SERVER_BIN, "init", "--dir", install().string(), "--listen",
                              "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--admin", "mia"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    // One config for both: same CA and database, each its own free ports (port 0).
    std::string config = ReadFile(install() / "server.yaml");
    const size_t at = config.find("storage: candor.db\n");
    ASSERT_NE(at, std::string::npos) << config;
    config.replace(at, std::string("storage: candor.db\n").size(),
                   "storage: " + database_.location() + "\n");
    WriteFile(install() / "server.yaml", config);
    server_ = std::make_unique<ServerUnderTest>(install() / "server.yaml");  // A
    server_b_ = std::make_unique<ServerUnderTest>(install() / "server.yaml");
    ASSERT_EQ(Ctl({"tenant", "create", "acme"}).exit_code, 0);
    // Created through A, known to B.
    EXPECT_THAT(CtlOn(*server_b_, {"tenant", "create", "acme"}).err, HasSubstr("already exists"));
  }
  void TearDown() override {
    // Both stop before their database is dropped.
    server_b_.reset();
    server_.reset();
  }

  RunResult CtlOn(const ServerUnderTest& server, std::vector<std::string> args) {
    std::vector<std::string> argv = {CANDOR_CTL_BIN,
                                     "--server",
                                     "localhost:" + std::to_string(server.port()),
                                     "--ca",
                                     (install() / "ca.pem").string(),
                                     "--cert",
                                     (install() / "mia.pem").string(),
                                     "--cert-key",
                                     (install() / "mia.key").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return candor::testing::Run(argv);
  }

  RunResult EnrollOn(const ServerUnderTest& server, const fs::path& state,
                     const std::string& token) {
    return candor::testing::Run(
        {CANDOR_AGENT_BIN, "enroll", "--server", "localhost:" + std::to_string(server.port()),
         "--ca", (install() / "ca.pem").string(), "--token", token, "--state-dir", state.string()});
  }

  // A stream of the enrolled device in `state` to `server`, past the hello; the server's
  // answer to the hello (the highest seq it holds) in `hello_ack`.
  struct Stream {
    std::unique_ptr<v1::AgentService::Stub> stub;
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::AgentMessage, v1::ServerMessage>> rw;
    uint64_t hello_ack = 0;
  };
  std::unique_ptr<Stream> Connect(const ServerUnderTest& server, const fs::path& state) {
    auto s = std::make_unique<Stream>();
    s->stub = DeviceStub(state / "identity", server.port());
    s->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    s->rw = s->stub->Connect(&s->context);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_version("test");
    v1::ServerMessage ack;
    EXPECT_TRUE(s->rw->Write(hello) && s->rw->Read(&ack) && ack.has_ack());
    s->hello_ack = ack.ack().up_to_seq();
    return s;
  }

  // Sends events first..last and returns the seq acked (0 on failure).
  static uint64_t Send(Stream& s, uint64_t first, uint64_t last) {
    v1::AgentMessage message;
    *message.mutable_batch() = service::testing::MakeBatch(first, last);
    v1::ServerMessage ack;
    if (!s.rw->Write(message) || !s.rw->Read(&ack) || !ack.has_ack()) return 0;
    return ack.ack().up_to_seq();
  }

  std::string SigningKey() {
    const RunResult r = candor::testing::Run(
        {CANDOR_CTL_BIN, "keys", "create", "--out", (dir_.path() / "admin.key").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }

  service::testing::TestBackend database_{Backend::kPostgres};
  std::unique_ptr<ServerUnderTest> server_b_;
};

TEST_F(TwoServersTest, EnrollmentEventsAndReportsWorkThroughEitherServer) {
  const std::string token = Token("acme", 2);  // through A
  const fs::path on_a = dir_.path() / "laptop-a", on_b = dir_.path() / "laptop-b";
  ASSERT_EQ(EnrollOn(*server_, on_a, token).exit_code, 0);
  ASSERT_EQ(EnrollOn(*server_b_, on_b, token).exit_code, 0);
  // Two uses, one through each server: the token is used up for both.
  const RunResult third = EnrollOn(*server_b_, dir_.path() / "laptop-c", token);
  EXPECT_EQ(third.exit_code, 1);
  EXPECT_THAT(third.err, HasSubstr("used up"));

  // laptop-a delivers 1..3 to A, then (a load balancer moved it) 2..5 to B: B says at the
  // hello what A stored, and stores the overlap once.
  auto a = Connect(*server_, on_a);
  EXPECT_EQ(a->hello_ack, 0u);
  EXPECT_EQ(Send(*a, 1, 3), 3u);
  a->context.TryCancel();
  auto moved = Connect(*server_b_, on_a);
  EXPECT_EQ(moved->hello_ack, 3u);
  EXPECT_EQ(Send(*moved, 2, 5), 5u);
  auto b = Connect(*server_b_, on_b);
  EXPECT_EQ(Send(*b, 1, 2), 2u);

  std::map<std::string, std::vector<uint64_t>> seqs;
  for (const nlohmann::json& e : ExportEvents(install() / "server.yaml")) {
    seqs[e["device_id"]].push_back(e["seq"]);
  }
  EXPECT_EQ(seqs[DeviceId(on_a)], (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs[DeviceId(on_b)], (std::vector<uint64_t>{1, 2}));

  // Either server reports on both devices.
  for (const ServerUnderTest* server : {server_.get(), server_b_.get()}) {
    const RunResult r =
        CtlOn(*server, {"report", "compliance", "--tenant", "acme", "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json report = nlohmann::json::parse(r.out);
    EXPECT_EQ(report["devices"], 2);
    EXPECT_EQ(report["without_results"], 0);
    const RunResult list = CtlOn(*server, {"device", "list", "--format", "json"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(nlohmann::json::parse(list.out).size(), 2u);
  }
}

TEST_F(TwoServersTest, APolicyPushedThroughOneReachesAStreamOnTheOther) {
  const std::string pin = SigningKey();
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(EnrollOn(*server_b_, state, Token("acme", 1)).exit_code, 0);
  auto on_b = Connect(*server_b_, state);

  const fs::path file = dir_.path() / "push.yaml";
  WriteFile(file,
            "apiVersion: candor/v1\nkind: Policy\nmetadata: {name: pushed, tenant: acme, "
            "version: 7}\nnotice: Pushed through A.\nchecks:\n"
            "  - {id: os, collector: os_info, interval: 1h}\n");
  const RunResult pushed = Ctl({"policy", "push", file.string(), "--tenant", "acme", "--key",
                                (dir_.path() / "admin.key").string()});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_THAT(pushed.out, HasSubstr("sent at once on 0 open agent stream(s)"));  // none on A

  v1::ServerMessage update;
  ASSERT_TRUE(on_b->rw->Read(&update));
  ASSERT_TRUE(update.has_policy_update()) << update.DebugString();
  EXPECT_THAT(update.policy_update().policy().policy_yaml(), HasSubstr("version: 7"));
  // The same version again is refused whichever server it goes through.
  const RunResult again = CtlOn(*server_b_, {"policy", "push", file.string(), "--tenant", "acme",
                                             "--key", (dir_.path() / "admin.key").string()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.err, HasSubstr("not newer than version 7"));
  EXPECT_FALSE(pin.empty());
}

TEST_F(TwoServersTest, ARevocationThroughOneCutsAStreamOnTheOther) {
  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(EnrollOn(*server_, state, Token("acme", 1)).exit_code, 0);
  auto on_b = Connect(*server_b_, state);

  const auto revoked_at = std::chrono::steady_clock::now();
  const RunResult revoke = Ctl({"device", "revoke", DeviceId(state)});  // through A
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  v1::ServerMessage reply;
  EXPECT_FALSE(on_b->rw->Read(&reply));
  EXPECT_EQ(on_b->rw->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(std::chrono::steady_clock::now() - revoked_at, std::chrono::seconds(10));

  // Neither server lets it in again.
  for (const ServerUnderTest* server : {server_.get(), server_b_.get()}) {
    auto stub = DeviceStub(state / "identity", server->port());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = stub->Connect(&context);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_version("test");
    stream->Write(hello);
    EXPECT_FALSE(stream->Read(&reply));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  // B's log says why (stderr is drained on stop).
  ASSERT_EQ(server_b_->Stop(), 0);
  EXPECT_THAT(server_b_->err(), HasSubstr("revoked by another server, 1 open stream(s) closed"));
}

}  // namespace
}  // namespace candor::testing
