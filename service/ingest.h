#pragma once

// Ingest: turns a batch from an authenticated device into stored events and an ack.
// It validates everything the device sent before anything is stored; the device's
// identity comes from its certificate, passed in by the transport. Thread-safe.

#include <chrono>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "candor/v1/events.pb.h"
#include "service/identity.h"
#include "service/rate_limiter.h"
#include "service/storage/event_store.h"

namespace candor::service {

// kInvalidArgument with the first problem found, or OK. Checks sizes, sequence numbers
// (strictly increasing from first_seq to last_seq; gaps are events the agent dropped and
// reported), enum values, identifiers and UTF-8.
absl::Status ValidateBatch(const v1::EventBatch& batch);

class Ingest {
 public:
  using Clock = std::function<EventStore::Clock::time_point()>;

  // `store` and `limiter` (none: no limit) must outlive this object.
  Ingest(EventStore& store, Clock clock, RateLimiter* limiter = nullptr)
      : store_(store), clock_(std::move(clock)), limiter_(limiter) {}

  // Validates and stores the batch; returns the sequence number to acknowledge, only once
  // the batch is committed. kInvalidArgument for a bad batch (nothing stored),
  // kResourceExhausted when the device sends faster than its rate limit (nothing stored;
  // the agent backs off and sends it again), the store's error (kUnavailable, ...)
  // otherwise.
  absl::StatusOr<uint64_t> HandleBatch(const DeviceIdentity& device, const v1::EventBatch& batch);

  // HandleBatch in two steps, so a stream's thread does the first while the writer thread
  // commits an earlier batch: validate, apply the rate limit, compute what the store
  // needs; then store.
  absl::StatusOr<PreparedBatch> Prepare(const DeviceIdentity& device, v1::EventBatch batch);
  // The same for a batch parsed onto `arena` (a stream's read), without copying it.
  absl::StatusOr<PreparedBatch> Prepare(const DeviceIdentity& device,
                                        std::unique_ptr<google::protobuf::Arena> arena,
                                        v1::EventBatch* batch);
  absl::StatusOr<uint64_t> Store(const DeviceIdentity& device, const PreparedBatch& prepared);
  // Several prepared batches in one transaction.
  absl::Status StoreAll(absl::Span<const EventStore::BatchToStore> batches);

  // The highest seq stored for the device: the answer to its hello.
  absl::StatusOr<uint64_t> HighestSeq(const DeviceIdentity& device);

 private:
  // Validation and the rate limit, before a batch is prepared.
  absl::Status Admit(const DeviceIdentity& device, const v1::EventBatch& batch);

  EventStore& store_;
  Clock clock_;
  RateLimiter* limiter_;
};

}  // namespace candor::service
