#include "agent/ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace candor::agent {
namespace {

constexpr absl::string_view kPrefix = "ledger-";
constexpr absl::string_view kSuffix = ".jsonl";
constexpr int64_t kFileSpanMs = 86'400'000;  // a new file at least daily

absl::Status IoError(absl::string_view what, const std::filesystem::path& path) {
  const int err = errno;
  const std::string message =
      absl::StrCat("ledger: ", what, " ", path.string(), ": ", std::strerror(err));
  return err == ENOSPC || err == EIO || err == EDQUOT ? absl::UnavailableError(message)
                                                      : absl::InternalError(message);
}

struct LedgerFile {
  std::filesystem::path path;
  int64_t start_ms = 0;
  uint64_t bytes = 0;
  int64_t modified_ms = 0;
};

// The ledger's files, oldest first; anything else in the directory is left alone.
std::vector<LedgerFile> ListFiles(const std::filesystem::path& dir) {
  std::vector<LedgerFile> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    absl::string_view middle = name;
    if (!absl::ConsumePrefix(&middle, kPrefix) || !absl::ConsumeSuffix(&middle, kSuffix)) continue;
    LedgerFile file{.path = entry.path()};
    const auto [end, err] =
        std::from_chars(middle.data(), middle.data() + middle.size(), file.start_ms);
    struct stat st;
    if (err != std::errc() || end != middle.data() + middle.size() ||
        ::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    file.bytes = static_cast<uint64_t>(st.st_size);
    file.modified_ms = int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const LedgerFile& a, const LedgerFile& b) { return a.start_ms < b.start_ms; });
  return files;
}

// A file a crash left with half a line is not continued (the next entry would be lost
// with it).
bool EndsWithNewline(const LedgerFile& file) {
  if (file.bytes == 0) return true;
  std::ifstream in(file.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(file.bytes - 1));
  char last = 0;
  return in.get(last) && last == '\n';
}

int64_t Millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

absl::Status AppendDurably(const std::filesystem::path& path, const std::string& text,
                           bool created) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return IoError("open", path);
  // Readable by everyone whatever the umask: that is what the ledger is for.
  if (created && ::fchmod(fd, 0644) != 0) {
    absl::Status status = IoError("chmod", path);
    ::close(fd);
    return status;
  }
  absl::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status status = IoError("write", path);
      ::close(fd);
      return status;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  const bool synced = ::fdatasync(fd) == 0;
  ::close(fd);
  if (!synced) return IoError("fsync", path);
  if (created) {
    const int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LedgerWriter>> LedgerWriter::Open(std::filesystem::path dir,
                                                                 config::LedgerSettings settings,
                                                                 Clock now) {
  std::unique_ptr<LedgerWriter> writer(new LedgerWriter(std::move(dir), settings, std::move(now)));
  std::lock_guard<std::mutex> lock(writer->mu_);
  if (absl::Status s = writer->Prune(); !s.ok()) return s;
  // Go on with the newest file while it is young and small enough.
  const std::vector<LedgerFile> files = ListFiles(writer->dir_);
  const int64_t now_ms = Millis(writer->now_());
  if (!files.empty() && now_ms - files.back().start_ms < kFileSpanMs &&
      files.back().bytes < settings.max_bytes / 8 && EndsWithNewline(files.back())) {
    writer->current_ = files.back().path;
    writer->current_start_ms_ = files.back().start_ms;
    writer->current_bytes_ = files.back().bytes;
  }
  return writer;
}

absl::Status LedgerWriter::Record(absl::Span<const v1::Event> events) {
  if (events.empty()) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now_ms = Millis(now_());
  std::string text;
  for (const v1::Event& event : events) absl::StrAppend(&text, LedgerLine(event, now_ms), "\n");
  const bool start_new = current_.empty() || now_ms - current_start_ms_ >= kFileSpanMs ||
                         current_bytes_ >= settings_.max_bytes / 8;
  if (start_new) {
    int64_t start = now_ms;
    while (std::filesystem::exists(dir_ / absl::StrCat(kPrefix, start, kSuffix))) ++start;
    current_ = dir_ / absl::StrCat(kPrefix, start, kSuffix);
    current_start_ms_ = start;
    current_bytes_ = 0;
  }
  if (absl::Status s = AppendDurably(current_, text, start_new); !s.ok()) {
    if (start_new) current_.clear();
    return s;
  }
  current_bytes_ += text.size();
  return start_new ? Prune() : absl::OkStatus();
}

absl::Status LedgerWriter::Prune() {
  const int64_t oldest_kept_ms =
      Millis(now_()) -
      std::chrono::duration_cast<std::chrono::milliseconds>(settings_.max_age).count();
  std::vector<LedgerFile> files = ListFiles(dir_);
  uint64_t total = 0;
  for (const LedgerFile& file : files) total += file.bytes;
  for (const LedgerFile& file : files) {
    if (file.path == current_) break;  // the newest; the rest are newer still
    if (file.modified_ms >= oldest_kept_ms && total <= settings_.max_bytes) break;
    if (::unlink(file.path.c_str()) != 0 && errno != ENOENT) return IoError("remove", file.path);
    total -= file.bytes;
  }
  return absl::OkStatus();
}

absl::StatusOr<LedgerContents> ReadLedger(const std::filesystem::path& dir, int64_t since_ms) {
  LedgerContents contents;
  std::map<uint64_t, LedgerEntry> by_seq;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return contents;
  for (const LedgerFile& file : ListFiles(dir)) {
    std::ifstream in(file.path, std::ios::binary);
    if (!in) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot read ", file.path.string(), ": ", std::strerror(errno)));
    }
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      absl::StatusOr<LedgerEntry> entry = ParseLedgerLine(line);
      if (!entry.ok()) {
        ++contents.unreadable_lines;
        continue;
      }
      if (entry->acked_at_ms < since_ms) continue;
      by_seq.try_emplace(entry->event.seq(), std::move(*entry));
    }
  }
  contents.entries.reserve(by_seq.size());
  for (auto& [seq, entry] : by_seq) contents.entries.push_back(std::move(entry));
  return contents;
}

}  // namespace candor::agent
