#pragma once

// EventStore: where the server keeps the events devices send. Implementations store each
// batch in one transaction, idempotently on (device, seq), and return only after commit,
// so an ack sent afterwards is never a lie. Thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "candor/v1/events.pb.h"
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

// A validated batch with what storing it needs computed ahead, off the writer thread.
struct PreparedBatch {
  v1::EventBatch batch;
  std::vector<std::string> facts_json;  // FactsToJson of each event, in order
};

// Computes facts_json for `batch`.
PreparedBatch PrepareBatch(v1::EventBatch batch);

class EventStore {
 public:
  using Clock = std::chrono::system_clock;

  virtual ~EventStore() = default;

  // Stores every event of a validated batch for `device`. Events already stored under the
  // same (device, seq) are kept as first stored. Returns batch.last_seq once the
  // transaction is durably committed; on error nothing of the batch is stored.
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
};

}  // namespace candor::service
