#include "agent/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/atomic_file.h"
#include "agent/crc32c.h"

namespace candor::agent {
namespace {

constexpr const char* kLogName = "spool.log";
constexpr const char* kCursorName = "spool.cursor";
constexpr size_t kHeaderBytes = 8;

absl::Status IoError(absl::string_view what, const std::filesystem::path& path) {
  const int err = errno;
  const std::string message = absl::StrCat(what, " ", path.string(), ": ", std::strerror(err));
  // A full disk or an I/O error may pass; the caller retries later.
  return err == ENOSPC || err == EIO || err == EDQUOT ? absl::UnavailableError(message)
                                                      : absl::InternalError(message);
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

absl::StatusOr<std::string> ReadWhole(int fd, const std::filesystem::path& path) {
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("read", path);
    }
    if (n == 0) return content;
    content.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::filesystem::path& dir) {
  const std::filesystem::path log_path = dir / kLogName;
  const int fd =
      ::open(log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("open", log_path);
  std::unique_ptr<Spool> spool(new Spool(dir, fd));
  if (absl::Status s = spool->Recover(); !s.ok()) return s;
  return spool;
}

Spool::~Spool() { ::close(log_fd_); }

absl::Status Spool::Recover() {
  // The cursor first: records at or below it are already stored on the server.
  const std::filesystem::path cursor_path = dir_ / kCursorName;
  if (const int fd = ::open(cursor_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW); fd >= 0) {
    absl::StatusOr<std::string> raw = ReadWhole(fd, cursor_path);
    ::close(fd);
    if (!raw.ok()) return raw.status();
    if (raw->size() == 12 &&
        Crc32c(raw->substr(0, 8)) == absl::little_endian::Load32(raw->data() + 8)) {
      acked_seq_ = absl::little_endian::Load64(raw->data());
    } else {
      recovery_.cursor_damaged = true;
    }
  } else if (errno != ENOENT) {
    return IoError("open", cursor_path);
  }
  last_seq_ = acked_seq_;

  const std::filesystem::path log_path = dir_ / kLogName;
  absl::StatusOr<std::string> log = ReadWhole(log_fd_, log_path);
  if (!log.ok()) return log.status();
  size_t offset = 0;
  while (offset < log->size()) {
    if (log->size() - offset < kHeaderBytes) break;  // torn header
    const uint32_t length = absl::little_endian::Load32(log->data() + offset);
    const uint32_t crc = absl::little_endian::Load32(log->data() + offset + 4);
    if (length == 0 || length > kMaxRecordBytes || log->size() - offset - kHeaderBytes < length) {
      break;  // a zeroed or torn length: nothing after it can be framed reliably
    }
    const absl::string_view payload(log->data() + offset + kHeaderBytes, length);
    offset += kHeaderBytes + length;
    v1::Event event;
    if (Crc32c(payload) != crc || !event.ParseFromArray(payload.data(), static_cast<int>(length))) {
      ++recovery_.skipped_records;
      continue;
    }
    if (event.seq() <= acked_seq_) continue;  // acknowledged; the log was not emptied yet
    if (event.seq() <= last_seq_) {           // out of order: never written by this spool
      ++recovery_.skipped_records;
      continue;
    }
    last_seq_ = event.seq();
    pending_.push_back(std::move(event));
  }
  if (offset < log->size()) {
    recovery_.cut_bytes = log->size() - offset;
    if (::ftruncate(log_fd_, static_cast<off_t>(offset)) != 0 || ::fsync(log_fd_) != 0) {
      return IoError("truncate", log_path);
    }
  }
  log_size_ = offset;
  return absl::OkStatus();
}

uint64_t Spool::last_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_seq_;
}

uint64_t Spool::acked_seq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_seq_;
}

size_t Spool::pending_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

absl::StatusOr<uint64_t> Spool::Append(v1::Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  event.set_seq(last_seq_ + 1);
  const std::string payload = event.SerializeAsString();
  if (payload.size() > kMaxRecordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("event of ", payload.size(), " bytes is larger than a spool record"));
  }
  std::string record(kHeaderBytes, '\0');
  absl::little_endian::Store32(record.data(), static_cast<uint32_t>(payload.size()));
  absl::little_endian::Store32(record.data() + 4, Crc32c(payload));
  record += payload;
  if (!WriteAll(log_fd_, record)) {
    absl::Status status = IoError("append to", dir_ / kLogName);
    // Take back a partial record so the log stays well-formed.
    if (::ftruncate(log_fd_, static_cast<off_t>(log_size_)) != 0) {
      return IoError("truncate", dir_ / kLogName);
    }
    return status;
  }
  log_size_ += record.size();
  last_seq_ = event.seq();
  pending_.push_back(std::move(event));
  return last_seq_;
}

absl::Status Spool::Sync() {
  // fdatasync needs no lock: it covers whatever was appended before it started.
  return ::fdatasync(log_fd_) == 0 ? absl::OkStatus() : IoError("fsync", dir_ / kLogName);
}

std::vector<v1::Event> Spool::Pending(size_t max_events, size_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Event> batch;
  size_t bytes = 0;
  for (const v1::Event& event : pending_) {
    const size_t size = event.ByteSizeLong() + 8;  // field tag and length prefix in a batch
    if (batch.size() >= max_events || (!batch.empty() && bytes + size > max_bytes)) break;
    bytes += size;
    batch.push_back(event);
  }
  return batch;
}

absl::Status Spool::WriteCursor(uint64_t seq) {
  std::string raw(12, '\0');
  absl::little_endian::Store64(raw.data(), seq);
  absl::little_endian::Store32(raw.data() + 8, Crc32c(raw.substr(0, 8)));
  return WriteFileAtomically(dir_, kCursorName, raw);
}

absl::Status Spool::Ack(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  if (seq <= acked_seq_) return absl::OkStatus();
  if (seq > last_seq_) {
    return absl::InvalidArgumentError(
        absl::StrCat("ack for seq ", seq, " beyond the last spooled seq ", last_seq_));
  }
  if (absl::Status s = WriteCursor(seq); !s.ok()) return s;
  acked_seq_ = seq;
  while (!pending_.empty() && pending_.front().seq() <= seq) pending_.pop_front();
  if (pending_.empty()) {
    // Everything is stored on the server and the cursor says so durably: start afresh.
    if (::ftruncate(log_fd_, 0) != 0) return IoError("truncate", dir_ / kLogName);
    log_size_ = 0;
  }
  return absl::OkStatus();
}

}  // namespace candor::agent
