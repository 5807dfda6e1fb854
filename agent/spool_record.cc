#include "agent/spool_record.h"

#include "absl/base/internal/endian.h"
#include "agent/crc32c.h"

namespace candor::agent {
namespace {

// A seq more than this far above the previous one is taken for garbage, not a record:
// it keeps the search through damaged bytes from checksumming every offset.
constexpr uint64_t kMaxSeqJump = uint64_t{1} << 40;

uint32_t RecordCrc(absl::string_view header12, absl::string_view payload) {
  return Crc32c(payload, Crc32c(header12));
}

}  // namespace

void AppendRecord(std::string& out, uint64_t seq, absl::string_view payload) {
  char header[kRecordHeaderBytes];
  absl::little_endian::Store32(header, static_cast<uint32_t>(payload.size()));
  absl::little_endian::Store64(header + 4, seq);
  absl::little_endian::Store32(header + 12, RecordCrc(absl::string_view(header, 12), payload));
  out.append(header, sizeof header);
  out.append(payload.data(), payload.size());
}

bool DecodeRecordAt(absl::string_view bytes, uint64_t offset, uint64_t after_seq,
                    size_t max_payload, RecordView& out) {
  if (offset > bytes.size() || bytes.size() - offset < kRecordHeaderBytes) return false;
  const char* header = bytes.data() + offset;
  const uint32_t length = absl::little_endian::Load32(header);
  const uint64_t seq = absl::little_endian::Load64(header + 4);
  if (length == 0 || length > max_payload || bytes.size() - offset - kRecordHeaderBytes < length) {
    return false;
  }
  if (seq <= after_seq || seq - after_seq > kMaxSeqJump) return false;
  const absl::string_view payload(header + kRecordHeaderBytes, length);
  if (RecordCrc(absl::string_view(header, 12), payload) !=
      absl::little_endian::Load32(header + 12)) {
    return false;
  }
  out = RecordView{.seq = seq, .offset = offset, .payload = payload};
  return true;
}

ScanResult ScanRecords(absl::string_view bytes, uint64_t after_seq, size_t max_payload,
                       const std::function<void(const RecordView&)>& on_record) {
  ScanResult result;
  uint64_t offset = 0;
  RecordView record;
  while (offset < bytes.size()) {
    if (DecodeRecordAt(bytes, offset, after_seq, max_payload, record)) {
      on_record(record);
      after_seq = record.seq;
      offset += kRecordHeaderBytes + record.payload.size();
      result.valid_end = offset;
      continue;
    }
    // Damaged here: look for the next intact record.
    uint64_t next = offset + 1;
    while (next + kRecordHeaderBytes <= bytes.size() &&
           !DecodeRecordAt(bytes, next, after_seq, max_payload, record)) {
      ++next;
    }
    if (next + kRecordHeaderBytes > bytes.size()) break;  // nothing intact follows: torn tail
    ++result.damaged_regions;
    result.damaged_bytes += next - offset;
    offset = next;
  }
  return result;
}

}  // namespace candor::agent
