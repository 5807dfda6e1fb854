#include "collectors/block_devices.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace candor::collectors {
namespace {

constexpr int kMaxDepth = 8;  // dm stacks are a few levels deep; anything more is a loop

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// `dir` is the device's directory in sysfs (resolved).
absl::StatusOr<DeviceEncryption> Examine(const HostView& host, const std::string& dir, int depth) {
  if (depth > kMaxDepth) {
    return absl::FailedPreconditionError(absl::StrCat(dir, ": device stack too deep"));
  }
  DeviceEncryption result;
  result.device = BaseName(dir);
  if (auto uuid = host.ReadLine(dir + "/dm/uuid"); uuid.ok() && absl::StartsWith(*uuid, "CRYPT-")) {
    const std::string rest = uuid->substr(6);
    result.encrypted = true;
    result.scheme = rest.substr(0, rest.find('-'));
    return result;
  }
  absl::StatusOr<std::vector<std::string>> slaves = host.ListDir(dir + "/slaves");
  if (!slaves.ok() || slaves->empty()) return result;  // a disk or partition: no encryption
  result.encrypted = true;
  for (const std::string& slave : *slaves) {
    absl::StatusOr<std::string> slave_dir = host.Resolve(dir + "/slaves/" + slave);
    if (!slave_dir.ok()) return slave_dir.status();
    absl::StatusOr<DeviceEncryption> lower = Examine(host, *slave_dir, depth + 1);
    if (!lower.ok()) return lower.status();
    if (!lower->encrypted) {
      result.encrypted = false;
      result.scheme.clear();
      result.via = lower->device;
      return result;
    }
    result.scheme = lower->scheme;
    result.via = lower->via.empty() ? lower->device : lower->via;
  }
  return result;
}

}  // namespace

absl::StatusOr<DeviceEncryption> EncryptionOfDevice(const HostView& host, int major, int minor) {
  absl::StatusOr<std::string> dir =
      host.Resolve(absl::StrCat("/sys/dev/block/", major, ":", minor));
  if (!dir.ok()) return dir.status();
  return Examine(host, *dir, 0);
}

absl::StatusOr<DeviceEncryption> EncryptionOfSource(const HostView& host,
                                                    const std::string& source) {
  if (absl::StartsWith(source, "/dev/mapper/")) {
    const std::string name = source.substr(12);
    absl::StatusOr<std::vector<std::string>> devices = host.ListDir("/sys/block");
    if (!devices.ok()) return devices.status();
    for (const std::string& device : *devices) {
      if (!absl::StartsWith(device, "dm-")) continue;
      auto dm_name = host.ReadLine("/sys/block/" + device + "/dm/name");
      if (!dm_name.ok() || *dm_name != name) continue;
      absl::StatusOr<std::string> dir = host.Resolve("/sys/block/" + device);
      if (!dir.ok()) return dir.status();
      return Examine(host, *dir, 0);
    }
    return absl::NotFoundError(absl::StrCat("no device-mapper device is named ", name));
  }
  if (absl::StartsWith(source, "/dev/")) {
    absl::StatusOr<std::string> dir = host.Resolve("/sys/class/block/" + BaseName(source));
    if (!dir.ok()) return dir.status();
    return Examine(host, *dir, 0);
  }
  return absl::NotFoundError(absl::StrCat(source, " is not a block device"));
}

}  // namespace candor::collectors
