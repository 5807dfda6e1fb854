#include "config/log_line.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace candor::config {
namespace {

// sd-daemon(3) levels: the syslog priorities.
absl::string_view JournalPrefix(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "<3>";
    case LogLevel::kWarning:
      return "<4>";
    case LogLevel::kInfo:
      break;
  }
  return "<6>";
}

}  // namespace

bool IsJournalStream(int fd) {
  const char* value = std::getenv("JOURNAL_STREAM");
  if (value == nullptr) return false;
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(value, ':');
  uint64_t device = 0;
  uint64_t inode = 0;
  if (!absl::SimpleAtoi(parts.first, &device) || !absl::SimpleAtoi(parts.second, &inode)) {
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  return static_cast<uint64_t>(st.st_dev) == device && static_cast<uint64_t>(st.st_ino) == inode;
}

std::string FormatLogLine(absl::string_view program, LogLevel level, absl::string_view text,
                          bool journal) {
  // The journal shows the unit name already; the program name keeps plain output readable.
  std::string out = journal ? absl::StrCat(JournalPrefix(level), program, ": ", text)
                            : absl::StrCat(program, ": ", text);
  out.push_back('\n');
  return out;
}

void WriteLogLine(absl::string_view program, LogLevel level, absl::string_view text) {
  const std::string out = FormatLogLine(program, level, text, IsJournalStream(2));
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace candor::config
