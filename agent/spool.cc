#include "agent/spool.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "absl/base/internal/endian.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "agent/crc32c.h"
#include "agent/spool_record.h"

namespace candor::agent {
namespace {

constexpr const char* kCursorName = "spool.cursor";
constexpr absl::string_view kSegmentPrefix = "spool-";
constexpr absl::string_view kSegmentSuffix = ".seg";
constexpr uint64_t kMinSegmentBytes = 64 << 10;
constexpr uint64_t kMaxSegmentBytes = 16 << 20;
// Room kept for the spool_dropped event that replaces dropped ones.
constexpr uint64_t kNoticeReserve = 4096;
// A batch field holding an event costs its size plus a tag and a length prefix.
constexpr size_t kBatchFieldOverhead = 8;

std::string SegmentName(uint64_t first_seq) {
  char name[48];
  std::snprintf(name, sizeof name, "spool-%020" PRIu64 ".seg", first_seq);
  return name;
}

// The first seq in a segment's name, or nullopt for files that are not segments.
std::optional<uint64_t> ParseSegmentName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kSegmentPrefix) || !absl::ConsumeSuffix(&name, kSegmentSuffix) ||
      name.size() != 20) {
    return std::nullopt;
  }
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(name, &seq)) return std::nullopt;
  return seq;
}

// The cursor file: u64 seq, u32 count, count x (u64 first, u64 last) of seq ranges above
// the cursor known to be lost (and already reported), u32 CRC-32C of all before it.
constexpr size_t kMaxLostRanges = 1000;

std::string EncodeCursor(uint64_t seq, const std::vector<std::pair<uint64_t, uint64_t>>& lost) {
  std::string raw(12 + 16 * lost.size() + 4, '\0');
  absl::little_endian::Store64(raw.data(), seq);
  absl::little_endian::Store32(raw.data() + 8, static_cast<uint32_t>(lost.size()));
  for (size_t i = 0; i < lost.size(); ++i) {
    absl::little_endian::Store64(raw.data() + 12 + 16 * i, lost[i].first);
    absl::little_endian::Store64(raw.data() + 20 + 16 * i, lost[i].second);
  }
  absl::little_endian::Store32(raw.data() + raw.size() - 4,
                               Crc32c(absl::string_view(raw.data(), raw.size() - 4)));
  return raw;
}

bool DecodeCursor(absl::string_view raw, uint64_t& seq,
                  std::vector<std::pair<uint64_t, uint64_t>>& lost) {
  if (raw.size() < 16) return false;
  const uint32_t count = absl::little_endian::Load32(raw.data() + 8);
  if (count > kMaxLostRanges || raw.size() != 12 + 16 * size_t{count} + 4) return false;
  if (Crc32c(raw.substr(0, raw.size() - 4)) !=
      absl::little_endian::Load32(raw.data() + raw.size() - 4)) {
    return false;
  }
  seq = absl::little_endian::Load64(raw.data());
  for (uint32_t i = 0; i < count; ++i) {
    lost.emplace_back(absl::little_endian::Load64(raw.data() + 12 + 16 * i),
                      absl::little_endian::Load64(raw.data() + 20 + 16 * i));
  }
  return true;
}

uint64_t SegmentBytes(const Spool::Options& options) {
  if (options.segment_bytes != 0) return options.segment_bytes;
  return std::clamp(options.max_bytes / 16, kMinSegmentBytes, kMaxSegmentBytes);
}

}  // namespace

Spool::Spool(std::unique_ptr<SpoolFiles> files, Options options)
    : files_(std::move(files)),
      options_(std::move(options)),
      segment_bytes_(SegmentBytes(options_)) {}

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::filesystem::path& dir,
                                                   Options options) {
  return Open(std::make_unique<PosixSpoolFiles>(dir), std::move(options));
}

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(std::unique_ptr<SpoolFiles> files,
                                                   Options options) {
  std::unique_ptr<Spool> spool(new Spool(std::move(files), std::move(options)));
  if (absl::Status s = spool->Recover(); !s.ok()) return s;
  if (spool->recovery_.any()) {
    // Tell the server what was lost, once: the damaged segments were rewritten. When the
    // report cannot be written (a full disk), the spool still opens; the next start
    // reports the same damage again.
    absl::StatusOr<uint64_t> seq =
        spool->Append(SpoolDamagedEvent(spool->recovery_, spool->options_.now()));
    if (seq.ok() && spool->Sync().ok()) {
      // Now reported: remember the holes, so the next start does not report them again.
      std::lock_guard<std::mutex> lock(spool->mu_);
      spool->WriteCursor(spool->cursor_).IgnoreError();
    }
  }
  return spool;
}

absl::Status Spool::Recover() {
  // The cursor first: records at or below it are acknowledged or were dropped.
  bool cursor_known = true;
  std::vector<std::pair<uint64_t, uint64_t>> known_lost;
  absl::StatusOr<std::string> raw = files_->Read(kCursorName, 0, 12 + 16 * kMaxLostRanges + 4);
  if (raw.ok()) {
    if (!DecodeCursor(*raw, cursor_, known_lost)) {
      recovery_.cursor_damaged = true;
      cursor_known = false;
    }
  } else if (absl::IsNotFound(raw.status())) {
    cursor_known = false;
  } else {
    return raw.status();
  }
  last_seq_ = cursor_;

  absl::StatusOr<std::vector<std::string>> names = files_->List();
  if (!names.ok()) return names.status();
  std::vector<std::pair<uint64_t, std::string>> found;
  for (const std::string& name : *names) {
    if (std::optional<uint64_t> seq = ParseSegmentName(name)) found.emplace_back(*seq, name);
  }
  std::sort(found.begin(), found.end());

  uint64_t prev = 0;  // the last intact record seen, in any segment
  for (size_t i = 0; i < found.size(); ++i) {
    const std::string& name = found[i].second;
    const bool newest = i + 1 == found.size();
    absl::StatusOr<uint64_t> size = files_->Size(name);
    if (!size.ok()) return size.status();
    absl::StatusOr<std::string> data = files_->Read(name, 0, *size);
    if (!data.ok()) return data.status();

    Segment segment{.name = name};
    std::vector<absl::string_view> intact;  // to rewrite the segment without the damage
    const ScanResult scan =
        ScanRecords(*data, prev, options_.max_event_bytes, [&](const RecordView& r) {
          intact.push_back(
              absl::string_view(data->data() + r.offset, kRecordHeaderBytes + r.payload.size()));
          const uint64_t before = prev;
          prev = r.seq;
          if (r.seq <= cursor_) return;
          // Seqs are contiguous as written; a hole between intact records is damage.
          const uint64_t expected = std::max(before, cursor_) + 1;
          if (r.seq > expected && (cursor_known || before > cursor_)) {
            lost_.emplace_back(expected, r.seq - 1);
          }
          if (segment.first_seq == 0) segment.first_seq = r.seq;
          segment.last_seq = r.seq;
        });
    const uint64_t tail = data->size() - scan.valid_end;
    recovery_.regions += scan.damaged_regions;
    recovery_.bytes += scan.damaged_bytes;
    if (newest) {
      recovery_.cut_bytes += tail;  // a write the crash interrupted, or damage at the end
    } else if (tail > 0) {
      ++recovery_.regions;
      recovery_.bytes += tail;
    }
    if (segment.last_seq == 0) {
      // Nothing unacknowledged in it (or nothing intact at all).
      if (absl::Status s = files_->Remove(name); !s.ok()) return s;
      continue;
    }
    uint64_t kept_bytes = scan.valid_end;
    if (scan.damaged_regions > 0 || (tail > 0 && !newest)) {
      std::string kept;
      for (absl::string_view record : intact) kept.append(record.data(), record.size());
      kept_bytes = kept.size();
      if (absl::Status s = files_->Replace(name, kept); !s.ok()) return s;
    } else if (tail > 0) {
      if (absl::Status s = files_->Truncate(name, scan.valid_end); !s.ok()) return s;
    }
    if (absl::Status s = files_->Sync(name); !s.ok()) return s;
    segment.bytes = segment.synced_bytes = kept_bytes;
    bytes_ += segment.bytes;
    last_seq_ = std::max(last_seq_, segment.last_seq);
    segments_.push_back(std::move(segment));
  }
  // Report only what was not reported before (a rewritten segment keeps its holes).
  for (const auto& range : lost_) {
    if (std::find(known_lost.begin(), known_lost.end(), range) == known_lost.end()) {
      recovery_.lost_seqs.push_back(range);
    }
  }
  durable_seq_ = last_seq_;
  return files_->SyncDir();
}

uint64_t Spool::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_seq_;
}

uint64_t Spool::acked_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cursor_;
}

uint64_t Spool::durable_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_seq_;
}

uint64_t Spool::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

uint64_t Spool::dropped_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_total_;
}

bool Spool::has_unsynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_seq_ < last_seq_ || dir_dirty_;
}

uint64_t Spool::LostAbove(uint64_t seq) const {
  uint64_t lost = 0;
  for (const auto& [first, last] : lost_) {
    if (last > seq) lost += last - std::max(first, seq + 1) + 1;
  }
  return lost;
}

size_t Spool::pending_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(last_seq_ - cursor_ - LostAbove(cursor_));
}

size_t Spool::sendable_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (durable_seq_ <= cursor_) return 0;
  return static_cast<size_t>(durable_seq_ - cursor_ -
                             (LostAbove(cursor_) - LostAbove(durable_seq_)));
}

absl::StatusOr<uint64_t> Spool::Append(v1::Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (write_failures_ > 0) {
    // First tell the server what could not be spooled.
    absl::StatusOr<uint64_t> notice =
        AppendLocked(SpoolWriteFailedEvent(write_failures_, first_failure_, options_.now()));
    if (!notice.ok()) {
      ++write_failures_;
      return notice.status();
    }
    write_failures_ = 0;
  }
  absl::StatusOr<uint64_t> seq = AppendLocked(std::move(event));
  if (!seq.ok()) {
    if (write_failures_++ == 0) first_failure_ = options_.now();
    ++dropped_total_;
  }
  return seq;
}

absl::StatusOr<uint64_t> Spool::AppendLocked(v1::Event event) {
  event.set_seq(last_seq_ + 1);
  std::string payload = event.SerializeAsString();
  if (payload.size() > options_.max_event_bytes) {
    event = OversizeEvent(event, payload.size(), options_.max_event_bytes);
    event.set_seq(last_seq_ + 1);
    payload = event.SerializeAsString();
  }
  if (absl::Status s = MakeRoom(kRecordHeaderBytes + payload.size()); !s.ok()) return s;
  // MakeRoom may have appended a notice: number the event after it.
  if (event.seq() != last_seq_ + 1) {
    event.set_seq(last_seq_ + 1);
    payload = event.SerializeAsString();
  }
  return WriteRecord(event, payload);
}

absl::StatusOr<uint64_t> Spool::WriteRecord(v1::Event& event, std::string& payload) {
  const uint64_t seq = event.seq();
  std::string record;
  record.reserve(kRecordHeaderBytes + payload.size());
  AppendRecord(record, seq, payload);

  if (!segments_.empty() && segments_.back().bytes >= segment_bytes_) {
    // Seal the full segment: only the newest one ever holds unsynced records.
    Segment& full = segments_.back();
    if (full.synced_bytes < full.bytes) {
      if (absl::Status s = files_->Sync(full.name); !s.ok()) return s;
      full.synced_bytes = full.bytes;
    }
    segments_.push_back(Segment{.name = SegmentName(seq)});
    dir_dirty_ = true;
  }
  if (segments_.empty()) {
    segments_.push_back(Segment{.name = SegmentName(seq)});
    dir_dirty_ = true;
  }
  Segment& active = segments_.back();
  if (absl::Status s = files_->Append(active.name, record); !s.ok()) {
    // Take back a partial record so the segment stays well-formed.
    if (active.bytes == 0) {
      (void)files_->Remove(active.name);
      segments_.pop_back();
    } else if (absl::Status t = files_->Truncate(active.name, active.bytes); !t.ok()) {
      return absl::Status(s.code(), absl::StrCat(s.message(), "; then: ", t.message()));
    }
    return s;
  }
  if (active.first_seq == 0) active.first_seq = seq;
  active.last_seq = seq;
  active.bytes += record.size();
  bytes_ += record.size();
  last_seq_ = seq;
  return seq;
}

absl::Status Spool::MakeRoom(uint64_t need) {
  // How many of the oldest segments must go for `need` more bytes (and a notice) to fit.
  size_t drop = 0;
  uint64_t freed = 0;
  while (drop < segments_.size() && segments_[drop].last_seq != 0 &&
         bytes_ - freed + need + kNoticeReserve > options_.max_bytes) {
    freed += segments_[drop].bytes;
    ++drop;
  }
  if (drop == 0) return absl::OkStatus();

  uint64_t dropped = 0;
  uint64_t first_dropped = 0;
  const uint64_t last_dropped = segments_[drop - 1].last_seq;
  for (size_t i = 0; i < drop; ++i) {
    const Segment& segment = segments_[i];
    if (segment.last_seq <= cursor_) continue;
    const uint64_t first = std::max(segment.first_seq, cursor_ + 1);
    dropped += segment.last_seq - first + 1 - (LostAbove(first - 1) - LostAbove(segment.last_seq));
    if (first_dropped == 0) first_dropped = first;
    // An earlier drop's notice going with them: this one reports its range and count too.
    const EarlierDrops earlier = FindEarlierDrops(segment);
    if (earlier.count > 0) {
      first_dropped = std::min(first_dropped, earlier.first_seq);
      dropped += earlier.count;
    }
  }
  if (dropped > 0) {
    // The loss is on record, durably, before anything goes.
    if (drop == segments_.size()) {
      Segment& newest = segments_.back();
      if (newest.synced_bytes < newest.bytes) {
        if (absl::Status s = files_->Sync(newest.name); !s.ok()) return s;
        newest.synced_bytes = newest.bytes;
      }
      segments_.push_back(Segment{.name = SegmentName(last_seq_ + 1)});
      dir_dirty_ = true;
    }
    v1::Event notice =
        SpoolFullEvent(dropped, first_dropped, last_dropped, options_.max_bytes, options_.now());
    notice.set_seq(last_seq_ + 1);
    std::string payload = notice.SerializeAsString();
    if (absl::StatusOr<uint64_t> seq = WriteRecord(notice, payload); !seq.ok()) {
      return seq.status();
    }
    if (absl::Status s = SyncLocked(); !s.ok()) return s;
    dropped_total_ += dropped;
  }
  // Durably past the dropped events before their segments go.
  if (last_dropped > cursor_) {
    if (absl::Status s = AdvanceCursor(last_dropped); !s.ok()) return s;
  }
  for (size_t i = 0; i < drop; ++i) {
    const Segment& oldest = segments_.front();
    if (absl::Status s = files_->Remove(oldest.name); !s.ok()) return s;
    if (read_pos_.name == oldest.name) read_pos_ = ReadPosition{};
    bytes_ -= oldest.bytes;
    segments_.pop_front();
  }
  return absl::OkStatus();
}

Spool::EarlierDrops Spool::FindEarlierDrops(const Segment& segment) {
  EarlierDrops found;
  absl::StatusOr<std::string> data = files_->Read(segment.name, 0, segment.bytes);
  if (!data.ok()) return found;
  uint64_t at = 0;
  RecordView record;
  while (DecodeRecordAt(*data, at, 0, options_.max_event_bytes, record)) {
    at += kRecordHeaderBytes + record.payload.size();
    if (record.seq <= cursor_) continue;
    v1::Event event;
    if (!event.ParseFromArray(record.payload.data(), static_cast<int>(record.payload.size())) ||
        event.collector() != "agent" || event.check_id() != "spool_dropped") {
      continue;
    }
    auto first = event.facts().find("first_seq");
    auto count = event.facts().find("dropped");
    if (first == event.facts().end() || first->second.integer() <= 0 ||
        count == event.facts().end() || count->second.integer() <= 0) {
      continue;
    }
    const auto seq = static_cast<uint64_t>(first->second.integer());
    found.first_seq = found.count == 0 ? seq : std::min(found.first_seq, seq);
    found.count += static_cast<uint64_t>(count->second.integer());
  }
  return found;
}

absl::Status Spool::Sync() {
  std::lock_guard<std::mutex> lock(mu_);
  return SyncLocked();
}

absl::Status Spool::SyncLocked() {
  if (!segments_.empty()) {
    Segment& active = segments_.back();
    if (active.synced_bytes < active.bytes) {
      if (absl::Status s = files_->Sync(active.name); !s.ok()) return s;
      active.synced_bytes = active.bytes;
    }
  }
  if (dir_dirty_) {
    if (absl::Status s = files_->SyncDir(); !s.ok()) return s;
    dir_dirty_ = false;
  }
  durable_seq_ = last_seq_;
  return absl::OkStatus();
}

std::vector<v1::Event> Spool::Read(uint64_t after_seq, size_t max_events, size_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Event> events;
  uint64_t from = std::max(after_seq, cursor_);
  size_t batch_bytes = 0;
  for (const Segment& segment : segments_) {
    if (segment.last_seq <= from) continue;
    uint64_t offset = 0;
    if (read_pos_.name == segment.name && read_pos_.seq <= from) offset = read_pos_.offset;
    while (offset < segment.bytes) {
      // Any record fits in a chunk this large, so each read makes progress.
      const uint64_t want = std::max<uint64_t>(std::min<uint64_t>(max_bytes, kMaxSegmentBytes),
                                               options_.max_event_bytes) +
                            kRecordHeaderBytes;
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(segment.bytes - offset, want));
      absl::StatusOr<std::string> data = files_->Read(segment.name, offset, chunk);
      if (!data.ok() || data->empty()) return events;  // tried again on the next Read
      uint64_t at = 0;
      RecordView record;
      while (DecodeRecordAt(*data, at, 0, options_.max_event_bytes, record)) {
        if (record.seq > durable_seq_) return events;
        if (record.seq > from) {
          const size_t size = record.payload.size() + kBatchFieldOverhead;
          if (events.size() >= max_events || (!events.empty() && batch_bytes + size > max_bytes)) {
            return events;
          }
          v1::Event event;
          if (event.ParseFromArray(record.payload.data(),
                                   static_cast<int>(record.payload.size()))) {
            batch_bytes += size;
            events.push_back(std::move(event));
          }
          from = record.seq;
        }
        at += kRecordHeaderBytes + record.payload.size();
        read_pos_ = ReadPosition{.name = segment.name, .offset = offset + at, .seq = record.seq};
      }
      if (at == 0) break;  // changed on disk since it was opened: leave the rest of it
      offset += at;
    }
  }
  return events;
}

absl::Status Spool::WriteCursor(uint64_t seq) {
  std::vector<std::pair<uint64_t, uint64_t>> lost;
  for (const auto& range : lost_) {
    if (range.second > seq && lost.size() < kMaxLostRanges) lost.push_back(range);
  }
  return files_->Replace(kCursorName, EncodeCursor(seq, lost));
}

absl::Status Spool::AdvanceCursor(uint64_t seq) {
  if (absl::Status s = WriteCursor(seq); !s.ok()) return s;
  cursor_ = seq;
  std::erase_if(lost_, [seq](const auto& range) { return range.second <= seq; });
  return absl::OkStatus();
}

absl::Status Spool::Ack(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  if (seq <= cursor_) return absl::OkStatus();
  if (seq > durable_seq_) {
    return absl::InvalidArgumentError(
        absl::StrCat("ack for seq ", seq, " beyond the last sent seq ", durable_seq_));
  }
  if (absl::Status s = AdvanceCursor(seq); !s.ok()) return s;
  // Remove the segments the durable cursor now covers; the one being written to as well
  // when it is all acknowledged (the next append starts a new one).
  while (!segments_.empty() && segments_.front().last_seq <= seq &&
         (segments_.size() > 1 || segments_.front().synced_bytes == segments_.front().bytes)) {
    if (absl::Status s = files_->Remove(segments_.front().name); !s.ok()) return s;
    if (read_pos_.name == segments_.front().name) read_pos_ = ReadPosition{};
    bytes_ -= segments_.front().bytes;
    segments_.pop_front();
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Spool::ServerHolds(uint64_t seq) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (seq <= cursor_) return 0;
    if (seq > last_seq_) {
      // The server is ahead of this spool: continue after it, so no event of ours is
      // mistaken for one it already stored.
      const uint64_t unsent = last_seq_ - cursor_ - LostAbove(cursor_);
      const uint64_t first = cursor_ + 1;
      const uint64_t last = last_seq_;
      if (absl::Status s = AdvanceCursor(seq); !s.ok()) return s;
      for (const Segment& segment : segments_) {
        if (absl::Status s = files_->Remove(segment.name); !s.ok()) return s;
      }
      segments_.clear();
      read_pos_ = ReadPosition{};
      bytes_ = 0;
      last_seq_ = durable_seq_ = seq;
      lost_.clear();
      if (unsent > 0) {
        dropped_total_ += unsent;
        v1::Event notice = SpoolFullEvent(unsent, first, last, options_.max_bytes, options_.now());
        notice.set_reason(absl::StrCat("the server already holds events up to seq ", seq,
                                       ", beyond this spool (state_dir restored or reset); ",
                                       unsent, " unsent event(s) with seq ", first, "..", last,
                                       " were dropped"));
        (*notice.mutable_facts())["cause"].set_text("seq_conflict");
        if (absl::StatusOr<uint64_t> s = AppendLocked(std::move(notice)); !s.ok()) {
          return s.status();
        }
      }
      return unsent;
    }
  }
  if (absl::Status s = Ack(std::min(seq, durable_seq())); !s.ok()) return s;
  return 0;
}

}  // namespace candor::agent
