#include "collectors/mountinfo.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace candor::collectors {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string Unescape(absl::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const absl::string_view digits = field.substr(i + 1, 3);
      if (digits.size() == 3 &&
          std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(
            static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool Contains(absl::string_view mount_point, absl::string_view path) {
  if (mount_point == "/") return absl::StartsWith(path, "/");
  return path == mount_point ||
         (absl::StartsWith(path, mount_point) && path[mount_point.size()] == '/');
}

}  // namespace

std::vector<Mount> ParseMountInfo(absl::string_view text) {
  std::vector<Mount> mounts;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    // id parent maj:min root mount-point options [optional...] - fstype source super
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 10 || dash + 2 >= f.size()) continue;
    const std::vector<absl::string_view> dev = absl::StrSplit(f[2], ':');
    Mount mount;
    if (dev.size() != 2 || !absl::SimpleAtoi(dev[0], &mount.major) ||
        !absl::SimpleAtoi(dev[1], &mount.minor)) {
      continue;
    }
    mount.mount_point = Unescape(f[4]);
    mount.fstype = std::string(f[dash + 1]);
    mount.source = Unescape(f[dash + 2]);
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::vector<Mount> ReadMounts(const HostView& host) {
  absl::StatusOr<std::string> text = host.ReadFile("/proc/self/mountinfo", 4 << 20);
  return text.ok() ? ParseMountInfo(*text) : std::vector<Mount>{};
}

std::optional<Mount> MountHolding(const std::vector<Mount>& mounts, absl::string_view path) {
  std::optional<Mount> best;
  for (const Mount& mount : mounts) {
    if (!Contains(mount.mount_point, path)) continue;
    if (!best || mount.mount_point.size() >= best->mount_point.size()) best = mount;
  }
  return best;
}

}  // namespace candor::collectors
