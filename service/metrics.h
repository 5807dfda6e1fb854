#pragma once

// ServerMetrics: candor-server's health counters, rendered in the Prometheus text format
// 0.0.4 (docs/operations.md lists every metric). One object, made in server.cc and passed
// by reference to the parts that count; no globals, so each test builds its own.
//
// Only aggregate numbers: no label carries a device id, a tenant, a peer address or
// anything from an event. Label values come from the fixed tables in metrics.cc, and every
// series exists (at 0) from the start, so a scrape always shows the same lines.
//
// Thread-safe and lock-free: every update is a relaxed atomic add. A scrape reads each
// number once; numbers of one scrape may be a few updates apart (Prometheus tolerates it).

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace candor::service {

// Why a call was refused, and by which service. Each has a fixed `service` and `reason`
// label (RejectionLabels).
enum class Rejection {
  kAgentUnauthenticated,   // agent stream without a valid device certificate
  kAgentRevoked,           // agent stream of a revoked device, at the hello
  kAgentTenantMismatch,    // certificate's tenant is not the registry's
  kAgentInvalidBatch,      // a batch that failed validation
  kAgentRateLimited,       // a batch past the device's rate limit
  kAgentProtocolError,     // messages out of order, a second hello, an unknown message
  kEnrollInvalidToken,     // unknown, malformed, expired or used-up enrollment token
  kEnrollThrottled,        // too many failed tokens from one address
  kEnrollInvalidCsr,       // a certificate request the CA refuses (enroll or renew)
  kRenewUnauthenticated,   // renewal without a valid device certificate
  kRenewRevoked,           // renewal by a revoked device
  kRenewTenantMismatch,    // renewal with a certificate the registry disagrees with
  kAdminUnauthenticated,   // admin call without a certificate
  kAdminPermissionDenied,  // admin call the certificate's role or tenant does not allow
};
inline constexpr size_t kRejectionCount = 14;

// Which storage operation failed.
enum class StorageOp {
  kStoreEvents,  // the group-commit transaction of event batches
  kHighestSeq,   // the read that answers an agent's hello
  kRegistry,     // devices, tokens, contacts, audit log
};
inline constexpr size_t kStorageOpCount = 3;

struct RejectionLabels {
  const char* service;
  const char* reason;
};
RejectionLabels LabelsOf(Rejection rejection);
const char* LabelOf(StorageOp op);

// A Prometheus histogram with fixed buckets, in microseconds internally and seconds in the
// output. Thread-safe (atomics).
class LatencyHistogram {
 public:
  // Upper bounds in seconds: 1 ms to 10 s, the usual Prometheus spread. An fsync on a
  // laptop-class disk takes a few ms; a batch waiting behind a 20,000-event group commit
  // takes a few hundred.
  static constexpr std::array<int64_t, 13> kBoundsMicros = {
      1'000,   2'500,   5'000,     10'000,    25'000,    50'000,    100'000,
      250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};

  void Observe(std::chrono::microseconds latency);
  // The _bucket, _sum and _count lines of `name`.
  void Render(const std::string& name, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsMicros.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> sum_micros_{0};
  std::atomic<uint64_t> count_{0};
};

class ServerMetrics {
 public:
  // An agent stream got past its hello / such a stream ended.
  void AgentConnected() { connected_agents_.fetch_add(1, std::memory_order_relaxed); }
  void AgentDisconnected() { connected_agents_.fetch_sub(1, std::memory_order_relaxed); }
  // Events in a batch as it arrives, before validation.
  void EventsReceived(int64_t events) { Add(events_received_, events); }
  // A batch committed: its events, and the time from its arrival to the commit.
  void BatchStored(int64_t events, std::chrono::microseconds latency);
  void Rejected(Rejection rejection);
  void StorageError(StorageOp op);

  // The whole exposition, HELP and TYPE lines included.
  std::string Render() const;

 private:
  static void Add(std::atomic<uint64_t>& counter, int64_t n) {
    if (n > 0) counter.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }

  std::atomic<int64_t> connected_agents_{0};
  std::atomic<uint64_t> events_received_{0};
  std::atomic<uint64_t> events_stored_{0};
  LatencyHistogram batch_latency_;
  std::array<std::atomic<uint64_t>, kRejectionCount> rejected_{};
  std::array<std::atomic<uint64_t>, kStorageOpCount> storage_errors_{};
};

}  // namespace candor::service
