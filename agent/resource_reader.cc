#include "agent/resource_reader.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace candor::agent {

namespace {

struct Statm {
  uint64_t resident;
  uint64_t shared;  // resident pages of files and shared memory
};

// "size resident shared text lib data dt" in pages; one read(2) of a few dozen bytes.
std::optional<Statm> ReadStatm() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[128];
  ssize_t n;
  do {
    n = ::read(fd, buffer, sizeof buffer - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(buffer, static_cast<size_t>(n)), ' ');
  Statm pages{};
  if (fields.size() < 3 || !absl::SimpleAtoi(fields[1], &pages.resident) ||
      !absl::SimpleAtoi(fields[2], &pages.shared) || pages.shared > pages.resident) {
    return std::nullopt;
  }
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return Statm{pages.resident * page, pages.shared * page};
}

}  // namespace

std::optional<uint64_t> ProcResourceReader::ResidentBytes() const {
  const std::optional<Statm> statm = ReadStatm();
  if (!statm) return std::nullopt;
  return statm->resident;
}

std::optional<uint64_t> ProcResourceReader::AnonymousBytes() const {
  const std::optional<Statm> statm = ReadStatm();
  if (!statm) return std::nullopt;
  return statm->resident - statm->shared;
}

ResourceReader::ThreadHandle ProcResourceReader::CurrentThread() const {
  clockid_t clock;
  if (::pthread_getcpuclockid(::pthread_self(), &clock) != 0) return -1;
  return static_cast<ThreadHandle>(clock);
}

std::optional<std::chrono::nanoseconds> ProcResourceReader::ThreadCpu(ThreadHandle thread) const {
  if (thread == -1) return std::nullopt;
  timespec ts{};
  if (::clock_gettime(static_cast<clockid_t>(thread), &ts) != 0) return std::nullopt;
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace candor::agent
