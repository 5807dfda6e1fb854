#include "agent/running_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

// More than two pool threads' worth of ids never needs more; a bigger file is not ours.
constexpr size_t kMaxRead = 64 * 1024;

// What config/policy.cc accepts as a check id; anything else is a torn or foreign line.
bool IsCheckId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<RunningRecord>> RunningRecord::Open(
    std::filesystem::path file, std::vector<std::string>* interrupted) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", file.string(), ": ", std::strerror(errno)));
  }
  std::string content;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || content.size() > kMaxRead) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  std::set<std::string> seen;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (IsCheckId(line) && seen.insert(std::string(line)).second) {
      interrupted->push_back(std::string(line));
    }
  }
  std::unique_ptr<RunningRecord> record(new RunningRecord(std::move(file), fd));
  // Once per start; from here on the file only grows to the longest list.
  if (::ftruncate(fd, 0) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", record->file_.string(), ": ", std::strerror(errno)));
  }
  std::lock_guard<std::mutex> lock(record->mu_);
  if (!record->WriteLocked()) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", record->file_.string(), ": ", std::strerror(errno)));
  }
  return record;
}

RunningRecord::~RunningRecord() { ::close(fd_); }

void RunningRecord::Add(const std::string& check) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  running_.insert(check);
  WriteLocked();
}

void RunningRecord::Remove(const std::string& check) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  auto it = running_.find(check);
  if (it == running_.end()) return;
  running_.erase(it);
  WriteLocked();
}

void RunningRecord::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  running_.clear();
  WriteLocked();
  closed_ = true;
}

uint64_t RunningRecord::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

uint64_t RunningRecord::write_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return write_failures_;
}

bool RunningRecord::WriteLocked() {
  std::string content;
  for (const std::string& check : running_) absl::StrAppend(&content, check, "\n");
  // Padding instead of truncating: the file never shrinks, so one write replaces it all.
  size_ = std::max(size_, content.size());
  content.resize(size_, '\n');
  ssize_t n;
  do {
    n = ::pwrite(fd_, content.data(), content.size(), 0);
  } while (n < 0 && errno == EINTR);
  const bool ok = n == static_cast<ssize_t>(content.size());
  ++writes_;
  if (!ok) {
    ++write_failures_;
    // The checks still run; only the protection against a crash loop is weaker.
    if (!failing_) {
      Log(absl::StrCat("cannot record the running checks in ", file_.string(), ": ",
                       n < 0 ? std::strerror(errno) : "short write", " (", write_failures_,
                       " failed writes so far)"));
    }
  }
  failing_ = !ok;
  return ok;
}

}  // namespace candor::agent
