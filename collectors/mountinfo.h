#pragma once

// Mounts from /proc/self/mountinfo (proc(5)), and which mount holds a given path.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "collectors/host_view.h"

namespace candor::collectors {

struct Mount {
  std::string mount_point;  // unescaped (\040 is a space)
  int major = 0;
  int minor = 0;
  std::string fstype;
  std::string source;  // e.g. /dev/mapper/vg-root
};

std::vector<Mount> ParseMountInfo(absl::string_view text);
// Empty when /proc/self/mountinfo cannot be read.
std::vector<Mount> ReadMounts(const HostView& host);

// The mount a path lives on: the longest mount point that contains it, the last one when
// mounts are stacked. nullopt when nothing is mounted on "/".
std::optional<Mount> MountHolding(const std::vector<Mount>& mounts, absl::string_view path);

}  // namespace candor::collectors
