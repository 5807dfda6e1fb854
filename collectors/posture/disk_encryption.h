#pragma once

#include <string>
#include <vector>

#include "collectors/collector.h"
#include "collectors/mountinfo.h"

namespace candor::collectors::posture {

// How the storage holding one path is protected (shared with work_home_encrypted).
struct PathEncryption {
  enum class Kind { kEncrypted, kPlain, kUnknown, kError } kind;
  std::string words;  // for a reason: "LUKS encryption on /home (dm-0 via sda3)"
  std::string scheme;
  std::string device;
};

// `mounts`: ReadMountInfo of the host.
PathEncryption ExaminePath(const HostView& host, const std::vector<Mount>& mounts,
                           const std::string& path);

// disk_encryption: the volumes holding the system and home directories are encrypted.
// For each path in the parameter mount_points (default "/" and "/home") it finds the mount
// holding it and follows the block device down the device-mapper stack: LUKS or dm-crypt
// (also LVM on LUKS, btrfs on LUKS), eCryptfs; tmpfs holds nothing on disk. PASS when all
// are encrypted, FAIL naming those that are not, NOT_APPLICABLE when the storage cannot be
// seen (a container's overlay, a network file system).
// Facts: encrypted (paths), unencrypted (paths), schemes, devices.
class DiskEncryption final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
