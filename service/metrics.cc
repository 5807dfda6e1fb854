#include "service/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace candor::service {
namespace {

constexpr std::array<RejectionLabels, kRejectionCount> kRejectionLabels = {{
    {"agent", "unauthenticated"},
    {"agent", "revoked"},
    {"agent", "tenant_mismatch"},
    {"agent", "invalid_batch"},
    {"agent", "rate_limited"},
    {"agent", "protocol_error"},
    {"enrollment", "invalid_token"},
    {"enrollment", "throttled"},
    {"enrollment", "invalid_csr"},
    {"enrollment", "unauthenticated"},
    {"enrollment", "revoked"},
    {"enrollment", "tenant_mismatch"},
    {"admin", "unauthenticated"},
    {"admin", "permission_denied"},
}};

constexpr std::array<const char*, kStorageOpCount> kStorageOpLabels = {"store_events",
                                                                       "highest_seq", "registry"};

uint64_t Load(const std::atomic<uint64_t>& value) { return value.load(std::memory_order_relaxed); }

// Whole microseconds as seconds, exactly ("0.004213"), so a large sum loses no digits.
std::string MicrosAsSeconds(uint64_t micros) {
  return absl::StrFormat("%d.%06d", micros / 1'000'000, micros % 1'000'000);
}

// A bucket bound as Prometheus clients print it: "0.0025", "1", "10".
std::string BoundLabel(int64_t micros) { return absl::StrCat(micros / 1e6); }

void Header(absl::string_view name, absl::string_view type, absl::string_view help,
            std::string& out) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

RejectionLabels LabelsOf(Rejection rejection) {
  return kRejectionLabels[static_cast<size_t>(rejection)];
}

const char* LabelOf(StorageOp op) { return kStorageOpLabels[static_cast<size_t>(op)]; }

void LatencyHistogram::Observe(std::chrono::microseconds latency) {
  const int64_t micros = std::max<int64_t>(latency.count(), 0);
  size_t bucket = 0;
  while (bucket < kBoundsMicros.size() && micros > kBoundsMicros[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::Render(const std::string& name, std::string& out) const {
  // Buckets are stored per range and printed cumulative, as the format wants.
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBoundsMicros.size(); ++i) {
    cumulative += Load(buckets_[i]);
    absl::StrAppend(&out, name, "_bucket{le=\"", BoundLabel(kBoundsMicros[i]), "\"} ", cumulative,
                    "\n");
  }
  cumulative += Load(buckets_[kBoundsMicros.size()]);
  // _count is the +Inf bucket, so the two always agree within one scrape.
  absl::StrAppend(&out, name, "_bucket{le=\"+Inf\"} ", cumulative, "\n");
  absl::StrAppend(&out, name, "_sum ", MicrosAsSeconds(Load(sum_micros_)), "\n");
  absl::StrAppend(&out, name, "_count ", cumulative, "\n");
}

void ServerMetrics::BatchStored(int64_t events, std::chrono::microseconds latency) {
  Add(events_stored_, events);
  batch_latency_.Observe(latency);
}

void ServerMetrics::Rejected(Rejection rejection) {
  rejected_[static_cast<size_t>(rejection)].fetch_add(1, std::memory_order_relaxed);
}

void ServerMetrics::StorageError(StorageOp op) {
  storage_errors_[static_cast<size_t>(op)].fetch_add(1, std::memory_order_relaxed);
}

std::string ServerMetrics::Render() const {
  std::string out;
  Header("candor_server_connected_agents", "gauge",
         "Agent streams open past their hello (a device with two streams counts twice).", out);
  absl::StrAppend(&out, "candor_server_connected_agents ",
                  connected_agents_.load(std::memory_order_relaxed), "\n");

  Header("candor_server_events_received_total", "counter",
         "Events in batches received from agents, before validation.", out);
  absl::StrAppend(&out, "candor_server_events_received_total ", Load(events_received_), "\n");

  Header("candor_server_events_stored_total", "counter",
         "Events in batches committed to storage and acknowledged (a batch sent again after "
         "a lost ack counts again; the store keeps one copy).",
         out);
  absl::StrAppend(&out, "candor_server_events_stored_total ", Load(events_stored_), "\n");

  Header("candor_server_batch_latency_seconds", "histogram",
         "Time from a batch's arrival to its durable commit, before its ack is sent.", out);
  batch_latency_.Render("candor_server_batch_latency_seconds", out);

  Header("candor_server_rejected_calls_total", "counter",
         "Calls and streams refused, by service and reason.", out);
  for (size_t i = 0; i < kRejectionCount; ++i) {
    absl::StrAppend(&out, "candor_server_rejected_calls_total{service=\"",
                    kRejectionLabels[i].service, "\",reason=\"", kRejectionLabels[i].reason, "\"} ",
                    Load(rejected_[i]), "\n");
  }

  Header("candor_server_storage_errors_total", "counter",
         "Storage operations that failed, by operation.", out);
  for (size_t i = 0; i < kStorageOpCount; ++i) {
    absl::StrAppend(&out, "candor_server_storage_errors_total{operation=\"", kStorageOpLabels[i],
                    "\"} ", Load(storage_errors_[i]), "\n");
  }
  return out;
}

}  // namespace candor::service
