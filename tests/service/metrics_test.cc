#include "service/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace candor::service {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(ServerMetricsTest, AFreshRegistryShowsEverySeriesAtZero) {
  const ServerMetrics metrics;
  EXPECT_EQ(
      metrics.Render(),
      R"(# HELP candor_server_connected_agents Agent streams open past their hello (a device with two streams counts twice).
# TYPE candor_server_connected_agents gauge
candor_server_connected_agents 0
# HELP candor_server_events_received_total Events in batches received from agents, before validation.
# TYPE candor_server_events_received_total counter
candor_server_events_received_total 0
# HELP candor_server_events_stored_total Events in batches committed to storage and acknowledged (a batch sent again after a lost ack counts again; the store keeps one copy).
# TYPE candor_server_events_stored_total counter
candor_server_events_stored_total 0
# HELP candor_server_batch_latency_seconds Time from a batch's arrival to its durable commit, before its ack is sent.
# TYPE candor_server_batch_latency_seconds histogram
candor_server_batch_latency_seconds_bucket{le="0.001"} 0
candor_server_batch_latency_seconds_bucket{le="0.0025"} 0
candor_server_batch_latency_seconds_bucket{le="0.005"} 0
candor_server_batch_latency_seconds_bucket{le="0.01"} 0
candor_server_batch_latency_seconds_bucket{le="0.025"} 0
candor_server_batch_latency_seconds_bucket{le="0.05"} 0
candor_server_batch_latency_seconds_bucket{le="0.1"} 0
candor_server_batch_latency_seconds_bucket{le="0.25"} 0
candor_server_batch_latency_seconds_bucket{le="0.5"} 0
candor_server_batch_latency_seconds_bucket{le="1"} 0
candor_server_batch_latency_seconds_bucket{le="2.5"} 0
candor_server_batch_latency_seconds_bucket{le="5"} 0
candor_server_batch_latency_seconds_bucket{le="10"} 0
candor_server_batch_latency_seconds_bucket{le="+Inf"} 0
candor_server_batch_latency_seconds_sum 0.000000
candor_server_batch_latency_seconds_count 0
# HELP candor_server_rejected_calls_total Calls and streams refused, by service and reason.
# TYPE candor_server_rejected_calls_total counter
candor_server_rejected_calls_total{service="agent",reason="unauthenticated"} 0
candor_server_rejected_calls_total{service="agent",reason="revoked"} 0
candor_server_rejected_calls_total{service="agent",reason="tenant_mismatch"} 0
candor_server_rejected_calls_total{service="agent",reason="invalid_batch"} 0
candor_server_rejected_calls_total{service="agent",reason="rate_limited"} 0
candor_server_rejected_calls_total{service="agent",reason="protocol_error"} 0
candor_server_rejected_calls_total{service="enrollment",reason="invalid_token"} 0
candor_server_rejected_calls_total{service="enrollment",reason="throttled"} 0
candor_server_rejected_calls_total{service="enrollment",reason="invalid_csr"} 0
candor_server_rejected_calls_total{service="enrollment",reason="unauthenticated"} 0
candor_server_rejected_calls_total{service="enrollment",reason="revoked"} 0
candor_server_rejected_calls_total{service="enrollment",reason="tenant_mismatch"} 0
candor_server_rejected_calls_total{service="admin",reason="unauthenticated"} 0
candor_server_rejected_calls_total{service="admin",reason="permission_denied"} 0
# HELP candor_server_storage_errors_total Storage operations that failed, by operation.
# TYPE candor_server_storage_errors_total counter
candor_server_storage_errors_total{operation="store_events"} 0
candor_server_storage_errors_total{operation="highest_seq"} 0
candor_server_storage_errors_total{operation="registry"} 0
)");
}

TEST(ServerMetricsTest, CountsWhatTheServerReports) {
  ServerMetrics metrics;
  metrics.AgentConnected();
  metrics.AgentConnected();
  metrics.AgentConnected();
  metrics.AgentDisconnected();
  metrics.EventsReceived(1000);
  metrics.EventsReceived(5);
  metrics.BatchStored(1000, std::chrono::microseconds(2'000));
  metrics.Rejected(Rejection::kAgentRevoked);
  metrics.Rejected(Rejection::kAgentRevoked);
  metrics.Rejected(Rejection::kAdminPermissionDenied);
  metrics.StorageError(StorageOp::kStoreEvents);
  const std::vector<std::string> lines = Lines(metrics.Render());
  EXPECT_THAT(lines, Contains("candor_server_connected_agents 2"));
  EXPECT_THAT(lines, Contains("candor_server_events_received_total 1005"));
  EXPECT_THAT(lines, Contains("candor_server_events_stored_total 1000"));
  EXPECT_THAT(
      lines,
      Contains("candor_server_rejected_calls_total{service=\"agent\",reason=\"revoked\"} 2"));
  EXPECT_THAT(lines, Contains("candor_server_rejected_calls_total{service=\"admin\",reason="
                              "\"permission_denied\"} 1"));
  EXPECT_THAT(lines, Contains("candor_server_rejected_calls_total{service=\"enrollment\",reason="
                              "\"revoked\"} 0"));
  EXPECT_THAT(lines, Contains("candor_server_storage_errors_total{operation=\"store_events\"} 1"));
  EXPECT_THAT(lines, Contains("candor_server_storage_errors_total{operation=\"registry\"} 0"));
}

TEST(ServerMetricsTest, HistogramBucketsAreCumulativeWithExactSum) {
  ServerMetrics metrics;
  metrics.BatchStored(0, std::chrono::microseconds(1'000));       // on the 1 ms bound: le="0.001"
  metrics.BatchStored(0, std::chrono::microseconds(1'001));       // le="0.0025"
  metrics.BatchStored(0, std::chrono::microseconds(300'000));     // le="0.5"
  metrics.BatchStored(0, std::chrono::microseconds(12'000'000));  // only +Inf
  metrics.BatchStored(0, std::chrono::microseconds(-5));          // a clock oddity: 0
  const std::vector<std::string> lines = Lines(metrics.Render());
  const std::string name = "candor_server_batch_latency_seconds";
  EXPECT_THAT(lines, Contains(name + "_bucket{le=\"0.001\"} 2"));
  EXPECT_THAT(lines, Contains(name + "_bucket{le=\"0.0025\"} 3"));
  EXPECT_THAT(lines, Contains(name + "_bucket{le=\"0.25\"} 3"));
  EXPECT_THAT(lines, Contains(name + "_bucket{le=\"0.5\"} 4"));
  EXPECT_THAT(lines, Contains(name + "_bucket{le=\"10\"} 4"));
  EXPECT_THAT(lines, Contains(name + "_bucket{le=\"+Inf\"} 5"));
  EXPECT_THAT(lines, Contains(name + "_sum 12.302001"));
  EXPECT_THAT(lines, Contains(name + "_count 5"));
}

TEST(ServerMetricsTest, GaugeCanGoBelowItsStartOnlyIfMisused) {
  // Disconnects pair with connects; a stray one shows as -1 rather than a huge number.
  ServerMetrics metrics;
  metrics.AgentDisconnected();
  EXPECT_THAT(Lines(metrics.Render()), Contains("candor_server_connected_agents -1"));
}

TEST(ServerMetricsTest, CountsFromManyThreadsAddUp) {
  ServerMetrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 10'000; ++i) {
        metrics.EventsReceived(2);
        metrics.BatchStored(1, std::chrono::microseconds(10));
        metrics.Rejected(Rejection::kAgentRateLimited);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = Lines(metrics.Render());
  EXPECT_THAT(lines, Contains("candor_server_events_received_total 160000"));
  EXPECT_THAT(lines, Contains("candor_server_events_stored_total 80000"));
  EXPECT_THAT(lines, Contains("candor_server_batch_latency_seconds_count 80000"));
  EXPECT_THAT(lines, Contains("candor_server_batch_latency_seconds_sum 0.800000"));
  EXPECT_THAT(lines, Contains("candor_server_rejected_calls_total{service=\"agent\",reason="
                              "\"rate_limited\"} 80000"));
}

TEST(ServerMetricsTest, EveryLineIsACommentOrANameAndANumber) {
  // The shape Prometheus' text parser accepts: no stray spaces, no empty label values.
  ServerMetrics metrics;
  metrics.BatchStored(3, std::chrono::microseconds(42));
  for (const std::string& line : Lines(metrics.Render())) {
    if (line.rfind("# HELP candor_server_", 0) == 0 ||
        line.rfind("# TYPE candor_server_", 0) == 0) {
      continue;
    }
    EXPECT_THAT(line,
                ::testing::MatchesRegex(
                    R"(candor_server_[a-z_]+(\{[a-z_]+="[^"]+"(,[a-z_]+="[^"]+")*\})? -?[0-9.]+)"))
        << line;
    EXPECT_THAT(line, Not(HasSubstr("  ")));
  }
}

}  // namespace
}  // namespace candor::service
