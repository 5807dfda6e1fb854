#pragma once

// The spool's record format, and a scanner that finds every intact record in a damaged
// segment. A record is
//
//   u32 payload length | u64 seq | u32 CRC-32C of the 12 bytes before it and the payload
//   | payload (an encoded v1::Event)
//
// all little-endian. The checksum covers the length and the seq, so a flipped bit in a
// header is caught like one in a payload, and a record is recognised wherever it starts.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"

namespace candor::agent {

inline constexpr size_t kRecordHeaderBytes = 16;

// Appends the record for (`seq`, `payload`) to `out`.
void AppendRecord(std::string& out, uint64_t seq, absl::string_view payload);

struct RecordView {
  uint64_t seq = 0;
  uint64_t offset = 0;  // of the header, within the scanned bytes
  absl::string_view payload;
};

// Decodes the record at `offset` of `bytes` when it is whole, has a payload of 1 to
// `max_payload` bytes, a matching checksum and a seq above `after_seq`.
bool DecodeRecordAt(absl::string_view bytes, uint64_t offset, uint64_t after_seq,
                    size_t max_payload, RecordView& out);

struct ScanResult {
  uint64_t valid_end = 0;        // just past the last intact record (where a torn tail begins)
  uint64_t damaged_regions = 0;  // runs of damaged bytes followed by an intact record
  uint64_t damaged_bytes = 0;    // bytes in those runs
};

// Calls `on_record` for every intact record of `bytes` in order, with seqs strictly
// increasing from above `after_seq`. Damage in the middle (a flipped byte, a zeroed
// length) is stepped over by searching for the next intact record; damage with no intact
// record after it is a torn tail, left at `valid_end`.
ScanResult ScanRecords(absl::string_view bytes, uint64_t after_seq, size_t max_payload,
                       const std::function<void(const RecordView&)>& on_record);

}  // namespace candor::agent
