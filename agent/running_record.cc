#include "agent/running_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "agent/log.h"

namespace candor::agent {
namespace {

bool WriteAll(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RunningRecord>> RunningRecord::Open(
    std::filesystem::path file, std::vector<std::string>* interrupted) {
  std::ifstream in(file);
  std::set<std::string> seen;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && seen.insert(line).second) interrupted->push_back(line);
  }
  std::unique_ptr<RunningRecord> record(new RunningRecord(std::move(file)));
  std::lock_guard<std::mutex> lock(record->mu_);
  if (!record->WriteLocked()) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", record->file_.string(), ": ", std::strerror(errno)));
  }
  return record;
}

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
  const std::string temp = file_.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && WriteAll(fd, content);
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (ok) ok = std::rename(temp.c_str(), file_.c_str()) == 0;
  ++writes_;
  if (!ok) {
    ++write_failures_;
    // The checks still run; only the protection against a crash loop is weaker.
    if (!failing_) {
      Log(absl::StrCat("cannot record the running checks in ", file_.string(), ": ",
                       std::strerror(errno), " (", write_failures_, " failed writes so far)"));
    }
  }
  failing_ = !ok;
  return ok;
}

}  // namespace candor::agent
