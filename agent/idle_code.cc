#include "agent/idle_code.h"

#include <charconv>
#include <fstream>
#include <sstream>

#if defined(_WIN32)
#include <windows.h>
#elif defined(__linux__)
#include <sys/mman.h>
#endif

namespace candor::agent {
namespace {

// The next space-separated field of `line`, advancing past it.
std::string_view NextField(std::string_view& line) {
  const size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(start);
  const size_t end = line.find(' ');
  std::string_view field = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return field;
}

bool ParseHex(std::string_view text, uintptr_t& out) {
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), last, out, 16);
  return ec == std::errc() && ptr == last && !text.empty();
}

// "begin-end perms offset dev inode path": the mapping, or false for a line that is not one
// of the agent's code mappings.
bool ParseCodeMapping(std::string_view line, CodeMapping& out) {
  const std::string_view range = NextField(line);
  const std::string_view perms = NextField(line);
  NextField(line);  // offset
  NextField(line);  // device
  NextField(line);  // inode
  const size_t path_start = line.find_first_not_of(' ');
  // The path runs to the end of the line and may contain spaces.
  const std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : line.substr(path_start);
  if (perms.size() != 4 || perms[0] != 'r' || perms[1] != '-' || perms[2] != 'x' ||
      perms[3] != 'p') {
    return false;
  }
  if (path.empty() || path.front() != '/') return false;  // anonymous, [vdso], [stack]...
  const size_t dash = range.find('-');
  if (dash == std::string_view::npos) return false;
  if (!ParseHex(range.substr(0, dash), out.begin) || !ParseHex(range.substr(dash + 1), out.end) ||
      out.end <= out.begin) {
    return false;
  }
  out.path = std::string(path);
  return true;
}

}  // namespace

std::vector<CodeMapping> ExecutableFileMappings(std::string_view maps) {
  std::vector<CodeMapping> mappings;
  while (!maps.empty()) {
    const size_t newline = maps.find('\n');
    const std::string_view line = maps.substr(0, newline);
    maps.remove_prefix(newline == std::string_view::npos ? maps.size() : newline + 1);
    CodeMapping mapping;
    if (ParseCodeMapping(line, mapping)) mappings.push_back(std::move(mapping));
  }
  return mappings;
}

IdleCodeRelease ReleaseIdleCode() {
  IdleCodeRelease release;
#if defined(_WIN32)
  // Windows moves the trimmed pages to its standby list; they come back without a read
  // while the memory is not needed elsewhere.
  if (SetProcessWorkingSetSize(GetCurrentProcess(), static_cast<SIZE_T>(-1),
                               static_cast<SIZE_T>(-1))) {
    release.mappings = 1;
  } else {
    release.failed = 1;
  }
#elif defined(__linux__) && defined(MADV_PAGEOUT)
  std::ifstream file("/proc/self/maps");
  if (!file) {
    release.failed = 1;
    return release;
  }
  std::ostringstream text;
  text << file.rdbuf();
  for (const CodeMapping& mapping : ExecutableFileMappings(text.str())) {
    const size_t length = mapping.end - mapping.begin;
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the kernel's own address, from maps
    if (madvise(reinterpret_cast<void*>(mapping.begin), length, MADV_PAGEOUT) == 0) {
      ++release.mappings;
      release.bytes += length;
    } else {
      ++release.failed;
    }
  }
#endif
  return release;
}

}  // namespace candor::agent
