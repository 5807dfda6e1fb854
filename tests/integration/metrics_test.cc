// The Prometheus endpoint of the real candor-server (made by `candor-server init`, metrics
// on 127.0.0.1:0), scraped over real HTTP on loopback while an agent, a hand-driven stream
// and refused callers exercise it.

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/integration/installation.h"
#include "tests/service/test_events.h"
#include "tests/support/http_get.h"

namespace candor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class MetricsEndpointTest : public Installation {
 protected:
  std::string Scrape() {
    const HttpResponse response = HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_EQ(response.status_line, "HTTP/1.1 200 OK");
    return response.body;
  }

  // The value of one series ("name" or "name{labels}"), or nullopt when it is missing.
  std::optional<double> Value(const std::string& series) {
    const std::string body = "\n" + Scrape();
    const size_t at = body.find("\n" + series + " ");
    if (at == std::string::npos) return std::nullopt;
    return std::stod(body.substr(at + series.size() + 2));
  }

  // Streams end asynchronously after the client's Finish: wait for the gauge to settle.
  bool WaitForConnected(double expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Value("candor_server_connected_agents") == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  static std::string Rejected(const std::string& service, const std::string& reason) {
    return "candor_server_rejected_calls_total{service=\"" + service + "\",reason=\"" + reason +
           "\"}";
  }
};

// Hello, then (optionally) one batch, on a stream of its own; the stream's final status.
grpc::Status HelloAndBatch(v1::AgentService::Stub& stub, const v1::EventBatch* batch) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub.Connect(&context);
  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version("test");
  v1::ServerMessage reply;
  if (stream->Write(hello) && stream->Read(&reply) && batch != nullptr) {
    v1::AgentMessage message;
    *message.mutable_batch() = *batch;
    if (stream->Write(message)) stream->Read(&reply);
  }
  stream->WritesDone();
  return stream->Finish();
}

constexpr const char* kLatencyCount = "candor_server_batch_latency_seconds_count";

TEST_F(MetricsEndpointTest, CountsAgentsEventsLatencyAndRefusals) {
  ASSERT_NE(server_->metrics_port(), 0);
  EXPECT_EQ(Value("candor_server_connected_agents"), 0);
  EXPECT_EQ(Value("candor_server_events_received_total"), 0);
  EXPECT_EQ(Value(kLatencyCount), 0);
  EXPECT_EQ(HttpGet(server_->metrics_port(), "/").status_line, "HTTP/1.1 404 Not Found");

  // A token nobody issued.
  EXPECT_EQ(Enroll(dir_.path() / "guess", "cnd_" + std::string(43, 'A')).exit_code, 1);
  EXPECT_EQ(Value(Rejected("enrollment", "invalid_token")), 1);

  const fs::path state = dir_.path() / "laptop";
  ASSERT_EQ(Enroll(state, Token("acme", 1)).exit_code, 0);
  const std::string id = DeviceId(state);
  // The enrolled identity (identity/ca.pem, device.pem, device.key) on a stream driven here.
  auto device = MakeStub(state / "identity", server_->port(), "device");

  // The real agent: one os_info event, seq 1.
  const RunResult once = RunAgentOnce(AgentConfig(state));
  ASSERT_EQ(once.exit_code, 0) << once.err;
  EXPECT_EQ(Value("candor_server_events_received_total"), 1);
  EXPECT_EQ(Value("candor_server_events_stored_total"), 1);
  EXPECT_EQ(Value(kLatencyCount), 1);
  EXPECT_TRUE(WaitForConnected(0));

  {
    // Connected while the stream is open past its hello.
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = device->Connect(&context);
    v1::AgentMessage hello;
    hello.mutable_hello()->set_agent_version("test");
    v1::ServerMessage reply;
    ASSERT_TRUE(stream->Write(hello) && stream->Read(&reply) && reply.has_ack());
    EXPECT_EQ(reply.ack().up_to_seq(), 1u);
    EXPECT_EQ(Value("candor_server_connected_agents"), 1);
    v1::AgentMessage batch;
    *batch.mutable_batch() = service::testing::MakeBatch(2, 4);
    ASSERT_TRUE(stream->Write(batch) && stream->Read(&reply) && reply.has_ack());
    EXPECT_EQ(reply.ack().up_to_seq(), 4u);
    // The ack left after the commit, so both counters and the histogram have moved.
    EXPECT_EQ(Value("candor_server_events_received_total"), 4);
    EXPECT_EQ(Value("candor_server_events_stored_total"), 4);
    EXPECT_EQ(Value(kLatencyCount), 2);
    EXPECT_EQ(Value("candor_server_batch_latency_seconds_bucket{le=\"+Inf\"}"), 2);
    EXPECT_GT(*Value("candor_server_batch_latency_seconds_sum"), 0);
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }
  EXPECT_TRUE(WaitForConnected(0));

  // An invalid batch: received, refused, not stored.
  v1::EventBatch empty;
  empty.set_first_seq(5);
  empty.set_last_seq(5);
  EXPECT_EQ(HelloAndBatch(*device, &empty).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Value(Rejected("agent", "invalid_batch")), 1);
  EXPECT_EQ(Value("candor_server_events_stored_total"), 4);

  // No client certificate.
  auto anonymous = MakeStub(state / "identity", server_->port(), "");
  EXPECT_EQ(HelloAndBatch(*anonymous, nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Value(Rejected("agent", "unauthenticated")), 1);

  // A revoked device, refused at its hello.
  ASSERT_EQ(Ctl({"device", "revoke", id}).exit_code, 0);
  EXPECT_EQ(HelloAndBatch(*device, nullptr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Value(Rejected("agent", "revoked")), 1);

  // An analyst may not create tokens.
  AdminCert("ana", "analyst", "acme");
  EXPECT_EQ(
      Ctl({"token", "create", "--tenant", "acme", "--uses", "1", "--ttl", "1h"}, "ana").exit_code,
      1);
  EXPECT_EQ(Value(Rejected("admin", "permission_denied")), 1);
  EXPECT_EQ(Value("candor_server_storage_errors_total{operation=\"store_events\"}"), 0);
  EXPECT_TRUE(WaitForConnected(0));

  // Aggregates only: no device id, tenant or event content.
  const std::string body = Scrape();
  EXPECT_THAT(body, Not(HasSubstr(id)));
  EXPECT_THAT(body, Not(HasSubstr("acme")));
  EXPECT_THAT(body, Not(HasSubstr("os_info")));
}

TEST_F(MetricsEndpointTest, APortInUseStopsTheServerAndOffTurnsTheEndpointOff) {
  const std::string ours = "metrics_listen: 127.0.0.1:0";
  const std::string config = ReadFile(install() / "server.yaml");
  const size_t at = config.find(ours);
  ASSERT_NE(at, std::string::npos) << config;
  const auto with = [&](const std::string& line) {
    std::string changed = config;
    changed.replace(at, ours.size(), line);
    WriteFile(install() / "server.yaml", changed);
  };

  // A second server asking for the first one's metrics port does not start.
  const std::string taken = "127.0.0.1:" + std::to_string(server_->metrics_port());
  with("metrics_listen: " + taken);
  const RunResult second =
      candor::testing::Run({CANDOR_SERVER_BIN, "--config", (install() / "server.yaml").string()});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("metrics_listen " + taken + ": cannot bind"));
  EXPECT_THAT(second.out, Not(HasSubstr("listening on")));

  // Off: no "metrics on" line, nothing listening.
  ASSERT_EQ(server_->Stop(), 0);
  with("metrics_listen: off");
  server_ = std::make_unique<ServerUnderTest>(install() / "server.yaml");
  EXPECT_EQ(server_->metrics_port(), 0);
  ASSERT_EQ(Ctl({"tenant", "create", "gamma"}).exit_code, 0);
}

}  // namespace
}  // namespace candor::testing
