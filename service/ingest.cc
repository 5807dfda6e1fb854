#include "service/ingest.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/utf8.h"
#include "proto/limits.h"

namespace candor::service {
namespace {

constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxTextBytes = 1024;
constexpr int kMaxFacts = 64;
constexpr int kMaxListItems = 256;
constexpr uint32_t kMaxIntervalSeconds = 30 * 86400;  // config::kMaxInterval

bool IsIdentifier(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':';
  });
}

absl::Status CheckText(absl::string_view text, absl::string_view what, uint64_t seq) {
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", seq, ": ", what, " longer than ", kMaxTextBytes, " bytes"));
  }
  if (!config::IsValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat("event ", seq, ": ", what, " is not UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status ValidateEvent(const v1::Event& event) {
  const uint64_t seq = event.seq();
  if (!IsIdentifier(event.collector()) || !IsIdentifier(event.check_id())) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", seq, ": collector and check id must be identifiers"));
  }
  if (!v1::CheckStatus_IsValid(event.status()) || event.status() == v1::CHECK_STATUS_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", seq, ": unknown status ", static_cast<int>(event.status())));
  }
  if (!v1::Severity_IsValid(event.severity())) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", seq, ": unknown severity ", static_cast<int>(event.severity())));
  }
  if (event.interval_seconds() > kMaxIntervalSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", seq, ": interval longer than the policy language allows"));
  }
  if (absl::Status s = CheckText(event.reason(), "reason", seq); !s.ok()) return s;
  if (!event.has_observed_at() || event.observed_at().nanos() < 0 ||
      event.observed_at().nanos() > 999'999'999) {
    return absl::InvalidArgumentError(absl::StrCat("event ", seq, ": no valid observed_at"));
  }
  if (event.facts_size() > kMaxFacts) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", seq, ": more than ", kMaxFacts, " facts"));
  }
  for (const auto& [key, value] : event.facts()) {
    if (!IsIdentifier(key)) {
      return absl::InvalidArgumentError(absl::StrCat("event ", seq, ": bad fact name"));
    }
    if (absl::Status s = CheckText(value.text(), "fact text", seq); !s.ok()) return s;
    if (value.list().values_size() > kMaxListItems) {
      return absl::InvalidArgumentError(absl::StrCat("event ", seq, ": fact list too long"));
    }
    for (const std::string& item : value.list().values()) {
      if (absl::Status s = CheckText(item, "fact list item", seq); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateBatch(const v1::EventBatch& batch) {
  if (batch.events_size() == 0) return absl::InvalidArgumentError("batch holds no events");
  if (static_cast<size_t>(batch.events_size()) > v1::kMaxEventsPerBatch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch holds ", batch.events_size(), " events; the limit is ", v1::kMaxEventsPerBatch));
  }
  // Sequence numbers are stored as SQL integers (signed 64-bit).
  constexpr uint64_t kMaxSeq = std::numeric_limits<int64_t>::max();
  if (batch.first_seq() == 0 || batch.last_seq() > kMaxSeq ||
      batch.events(0).seq() != batch.first_seq() ||
      batch.events(batch.events_size() - 1).seq() != batch.last_seq()) {
    return absl::InvalidArgumentError(absl::StrCat("batch range ", batch.first_seq(), "..",
                                                   batch.last_seq(), " does not match its ",
                                                   batch.events_size(), " events"));
  }
  for (int i = 0; i < batch.events_size(); ++i) {
    const v1::Event& event = batch.events(i);
    if (i > 0 && event.seq() <= batch.events(i - 1).seq()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, " has seq ", event.seq(), ", not above the one before it"));
    }
    if (absl::Status s = ValidateEvent(event); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Ingest::HandleBatch(const DeviceIdentity& device,
                                             const v1::EventBatch& batch) {
  absl::StatusOr<PreparedBatch> prepared = Prepare(device, batch);
  if (!prepared.ok()) return prepared.status();
  return Store(device, *prepared);
}

absl::Status Ingest::Admit(const DeviceIdentity& device, const v1::EventBatch& batch) {
  if (absl::Status s = ValidateBatch(batch); !s.ok()) return s;
  if (limiter_ != nullptr && !limiter_->TryTake(device.device_id, batch.events_size())) {
    return absl::ResourceExhaustedError(
        "this device sends faster than the server's per-device limit; retry later");
  }
  return absl::OkStatus();
}

absl::StatusOr<PreparedBatch> Ingest::Prepare(const DeviceIdentity& device, v1::EventBatch batch) {
  if (absl::Status s = Admit(device, batch); !s.ok()) return s;
  return PrepareBatch(std::move(batch));
}

absl::StatusOr<PreparedBatch> Ingest::Prepare(const DeviceIdentity& device,
                                              std::unique_ptr<google::protobuf::Arena> arena,
                                              v1::EventBatch* batch) {
  if (absl::Status s = Admit(device, *batch); !s.ok()) return s;
  return PrepareBatch(std::move(arena), batch);
}

absl::StatusOr<uint64_t> Ingest::Store(const DeviceIdentity& device,
                                       const PreparedBatch& prepared) {
  return store_.StoreBatch(device, prepared, clock_());
}

absl::Status Ingest::StoreAll(absl::Span<const EventStore::BatchToStore> batches) {
  return store_.StoreBatches(batches, clock_());
}

absl::StatusOr<uint64_t> Ingest::HighestSeq(const DeviceIdentity& device) {
  return store_.HighestSeq(device);
}

}  // namespace candor::service
