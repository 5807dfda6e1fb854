#pragma once

// EventStore: where the server keeps the events devices send. Implementations store each
// batch in one transaction, idempotently on (device, seq), and return only after commit,
// so an ack sent afterwards is never a lie. Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "candor/v1/events.pb.h"
#include "google/protobuf/arena.h"
#include "proto/check_status_text.h"
#include "service/identity.h"

namespace candor::service {

// One stored event as export and reports read it.
struct StoredEvent {
  std::string tenant;
  std::string device_id;
  uint64_t seq = 0;
  std::string collector;
  std::string check_id;
  std::string status;  // "PASS", "FAIL", "NOT_APPLICABLE", "ERROR"
  std::string reason;
  std::string facts_json;  // a JSON object, see facts_json.h
  int64_t observed_at_ms = 0;
  int64_t received_at_ms = 0;
  uint64_t policy_version = 0;
};

// A device's latest result of one check, as compliance reports read it.
struct LatestResult {
  std::string tenant;
  std::string device_id;
  std::string check_id;
  std::string collector;
  std::string status;  // as in StoredEvent
  int severity = 0;    // v1::Severity; 0: not given (agents before 0.9)
  int64_t interval_seconds = 0;
  std::string reason;
  int64_t observed_at_ms = 0;
  int64_t received_at_ms = 0;
  uint64_t policy_version = 0;
};

// Which devices' latest results to read.
struct ResultFilter {
  std::string tenant;     // empty: every tenant
  std::string device_id;  // empty: every device
};

// A validated batch with what storing it needs computed ahead, off the writer thread. The
// batch lives on its own protobuf arena: a batch read off the wire is parsed into one, so
// its hundreds of strings and map entries are a few blocks, allocated on the stream's
// thread and freed at once after the commit.
struct PreparedBatch {
  std::unique_ptr<google::protobuf::Arena> arena;  // owns *batch
  v1::EventBatch* batch = nullptr;
  std::vector<std::string> facts_json;  // FactsToJson of each event, in order
};

// The arena a message is read into: blocks from 256 bytes doubling to 32 KiB, so a typical
// batch (50 events, about 40 KB of objects) takes about ten allocations.
std::unique_ptr<google::protobuf::Arena> NewBatchArena();

// Computes facts_json for `batch`, which lives on `arena`.
PreparedBatch PrepareBatch(std::unique_ptr<google::protobuf::Arena> arena, v1::EventBatch* batch);
// The same for a batch on the heap (tests, tools): an arena of its own takes ownership of
// it, without a copy.
PreparedBatch PrepareBatch(v1::EventBatch batch);

class EventStore {
 public:
  using Clock = std::chrono::system_clock;

  virtual ~EventStore() = default;

  // Stores every event of a validated batch for `device`. An event whose seq is already
  // stored for the device is kept as first stored; SQLite skips every event at or below the
  // device's highest stored seq (an agent sends in seq order, and after a reconnect again
  // from its last ack). Returns batch.last_seq once the transaction is durably committed;
  // on error nothing of the batch is stored.
  virtual absl::StatusOr<uint64_t> StoreBatch(const DeviceIdentity& device,
                                              const PreparedBatch& prepared,
                                              Clock::time_point received_at) = 0;
  absl::StatusOr<uint64_t> StoreBatch(const DeviceIdentity& device, const v1::EventBatch& batch,
                                      Clock::time_point received_at) {
    return StoreBatch(device, PrepareBatch(batch), received_at);
  }

  // Several batches, of one device or several, in one transaction (group commit): all
  // durably stored on OK, none on error.
  struct BatchToStore {
    const DeviceIdentity* device;
    const PreparedBatch* prepared;
  };
  virtual absl::Status StoreBatches(absl::Span<const BatchToStore> batches,
                                    Clock::time_point received_at) = 0;

  // The highest seq stored for `device` (0 when none).
  virtual absl::StatusOr<uint64_t> HighestSeq(const DeviceIdentity& device) = 0;

  // Calls `visit` for every stored event, ordered by tenant, device and seq.
  virtual absl::Status ForEachEvent(const std::function<void(const StoredEvent&)>& visit) = 0;
  // Calls `visit` for every event received at or after `received_since_ms`, in the order
  // they were received (then device and seq): what a SIEM pulling every few minutes wants.
  virtual absl::Status ForEachEventSince(int64_t received_since_ms,
                                         const std::function<void(const StoredEvent&)>& visit) = 0;

  // Besides the events, the store keeps each device's latest result per policy check
  // (events of collector "agent" are the agent's own notices, not checks), updated in the
  // same transaction as the events. Calls `visit` for those matching `filter`, ordered by
  // tenant, device and check; whether a device is revoked or in a group is the registry's
  // to say (reports take the devices from there).
  virtual absl::Status ForEachLatestResult(
      const ResultFilter& filter, const std::function<void(const LatestResult&)>& visit) = 0;

  // History retention: deletes events received before `received_before_ms` (latest
  // results stay), except each device's newest (SQLite: the newest batch stored), so the
  // seq a reconnecting agent is told was stored never goes back. Returns how many were
  // deleted.
  virtual absl::StatusOr<uint64_t> PruneEvents(int64_t received_before_ms) = 0;
};

// The newest event of each (device, check) among `batches`, leaving out the agent's own
// notices (collector "agent"): what a store records as latest results.
struct LatestOfCheck {
  const DeviceIdentity* device;
  const v1::Event* event;
};
std::vector<LatestOfCheck> LatestPerCheck(absl::Span<const EventStore::BatchToStore> batches);

// How stores write a status: "PASS", "FAIL", "NOT_APPLICABLE", "ERROR" (or "UNSPECIFIED").
using v1::CheckStatusText;
// A protobuf timestamp in milliseconds since 1970.
int64_t TimestampMillis(const google::protobuf::Timestamp& t);

}  // namespace candor::service
