#pragma once

// Ingest: turns a batch from an authenticated device into stored events and an ack.
// It validates everything the device sent before anything is stored; the device's
// identity comes from its certificate, passed in by the transport. Thread-safe.

#include <chrono>
#include <functional>

#include "absl/status/statusor.h"
#include "candor/v1/events.pb.h"
#include "service/identity.h"
#include "service/storage/event_store.h"

namespace candor::service {

// kInvalidArgument with the first problem found, or OK. Checks sizes, sequence numbers
// (contiguous, first_seq..last_seq), enum values, identifiers and UTF-8.
absl::Status ValidateBatch(const v1::EventBatch& batch);

class Ingest {
 public:
  using Clock = std::function<EventStore::Clock::time_point()>;

  // `store` must outlive this object.
  Ingest(EventStore& store, Clock clock) : store_(store), clock_(std::move(clock)) {}

  // Validates and stores the batch; returns the sequence number to acknowledge, only once
  // the batch is committed. kInvalidArgument for a bad batch (nothing stored), the store's
  // error (kUnavailable, ...) otherwise.
  absl::StatusOr<uint64_t> HandleBatch(const DeviceIdentity& device, const v1::EventBatch& batch);

 private:
  EventStore& store_;
  Clock clock_;
};

}  // namespace candor::service
