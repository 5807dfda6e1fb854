#include "collectors/posture/disk_encryption.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "collectors/block_devices.h"
#include "collectors/mountinfo.h"

namespace candor::collectors::posture {
namespace {

const std::set<std::string> kInMemory = {"tmpfs", "ramfs"};
const std::set<std::string> kUnseeable = {"overlay", "nfs",      "nfs4",       "cifs", "smb3",
                                          "9p",      "virtiofs", "fuse.sshfs", "aufs"};

}  // namespace

PathEncryption ExaminePath(const HostView& host, const std::vector<Mount>& mounts,
                           const std::string& path) {
  std::optional<Mount> mount = MountHolding(mounts, path);
  if (!mount) return {PathEncryption::Kind::kError, absl::StrCat("no mount holds ", path), "", ""};
  const std::string where =
      mount->mount_point == path ? path : absl::StrCat(path, " (on ", mount->mount_point, ")");
  if (kInMemory.count(mount->fstype) != 0) {
    return {PathEncryption::Kind::kEncrypted, absl::StrCat(where, " is in memory only"), "memory",
            ""};
  }
  if (mount->fstype == "ecryptfs") {
    return {PathEncryption::Kind::kEncrypted, absl::StrCat(where, " uses eCryptfs"), "eCryptfs",
            ""};
  }
  if (kUnseeable.count(mount->fstype) != 0 || absl::StartsWith(mount->fstype, "fuse")) {
    return {PathEncryption::Kind::kUnknown,
            absl::StrCat(where, " is on ", mount->fstype, ": the disk under it cannot be seen"), "",
            ""};
  }
  absl::StatusOr<DeviceEncryption> device =
      mount->major != 0 ? EncryptionOfDevice(host, mount->major, mount->minor)
                        : EncryptionOfSource(host, mount->source);
  if (!device.ok()) {
    return {PathEncryption::Kind::kError,
            absl::StrCat("cannot tell how ", where, " is stored: ", device.status().message()), "",
            ""};
  }
  if (!device->encrypted) {
    return {PathEncryption::Kind::kPlain,
            absl::StrCat(where, " is not encrypted (",
                         device->via.empty() ? device->device : device->via, ")"),
            "", device->device};
  }
  const std::string via = device->via.empty() ? "" : absl::StrCat(" via ", device->via);
  return {PathEncryption::Kind::kEncrypted,
          absl::StrCat(device->scheme, " encryption on ", where, " (", device->device, via, ")"),
          device->scheme, device->device};
}

const config::CollectorSpec& DiskEncryption::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "disk_encryption",
      .description = "Whether the disks holding the system and home directories are encrypted.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"disk encryption state", "names of disk devices"},
      .params = {{.name = "mount_points",
                  .type = config::ParamType::kStringList,
                  .description = "Paths whose storage must be encrypted.",
                  .default_value = std::vector<std::string>{"/", "/home"},
                  .min = 1,
                  .max = 16}},
  };
  return kSpec;
}

CheckResult DiskEncryption::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  const std::vector<Mount> mounts = ReadMounts(host);
  if (mounts.empty()) {
    result.status = CheckStatus::kError;
    result.reason = "cannot read the mount table (/proc/self/mountinfo)";
    return result;
  }
  std::vector<std::string> encrypted, plain, unknown, errors, schemes, devices, words;
  std::map<std::string, std::string> device_of_path;
  for (const std::string& path : std::get<std::vector<std::string>>(params.at("mount_points"))) {
    if (!absl::StartsWith(path, "/")) {
      errors.push_back(absl::StrCat("\"", path, "\" is not an absolute path"));
      continue;
    }
    const PathEncryption finding = ExaminePath(host, mounts, path);
    // A path on the same device as one already reported is said so, not repeated.
    const std::optional<Mount> mount = MountHolding(mounts, path);
    const std::string key = mount ? mount->mount_point : path;
    auto seen = device_of_path.find(key);
    const bool same = seen != device_of_path.end();
    switch (finding.kind) {
      case PathEncryption::Kind::kEncrypted:
        encrypted.push_back(path);
        break;
      case PathEncryption::Kind::kPlain:
        plain.push_back(path);
        break;
      case PathEncryption::Kind::kUnknown:
        unknown.push_back(path);
        break;
      case PathEncryption::Kind::kError:
        errors.push_back(finding.words);
        continue;
    }
    if (same) {
      words.push_back(absl::StrCat(path, " is on the same device as ", seen->second));
      continue;
    }
    device_of_path[key] = path;
    words.push_back(finding.words);
    if (!finding.scheme.empty()) schemes.push_back(finding.scheme);
    if (!finding.device.empty()) devices.push_back(finding.device);
  }
  result.facts["encrypted"] = encrypted;
  result.facts["unencrypted"] = plain;
  result.facts["schemes"] = schemes;
  result.facts["devices"] = devices;
  if (!errors.empty()) {
    result.status = CheckStatus::kError;
    result.reason = absl::StrJoin(errors, "; ");
  } else if (!plain.empty()) {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrJoin(words, "; ");
  } else if (!unknown.empty()) {
    result.status = CheckStatus::kNotApplicable;
    result.reason = absl::StrJoin(words, "; ");
  } else {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrJoin(words, "; ");
  }
  return result;
}

}  // namespace candor::collectors::posture
