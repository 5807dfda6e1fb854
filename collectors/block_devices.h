#pragma once

// Whether a block device is encrypted, from sysfs: a device-mapper node whose dm/uuid
// starts with "CRYPT-" is dm-crypt (LUKS1, LUKS2, plain, BitLocker via cryptsetup, ...);
// any other node is encrypted when everything under it (its slaves, e.g. the physical
// volumes of an LVM volume) is.

#include <string>

#include "absl/status/statusor.h"
#include "collectors/host_view.h"

namespace candor::collectors {

struct DeviceEncryption {
  std::string device;  // kernel name of the device holding the data, e.g. "dm-1", "sda2"
  bool encrypted = false;
  std::string scheme;  // "LUKS2", "LUKS1", "PLAIN", ... when encrypted
  std::string via;     // the crypt device when it sits lower in the stack, e.g. "dm-0"
};

// The device by number (st_dev of a mount, from mountinfo).
absl::StatusOr<DeviceEncryption> EncryptionOfDevice(const HostView& host, int major, int minor);

// The device by the source a mount names: /dev/mapper/NAME, /dev/dm-N, /dev/sdXN, ...
// (btrfs mounts carry an anonymous device number, so their source is what leads to disk).
absl::StatusOr<DeviceEncryption> EncryptionOfSource(const HostView& host,
                                                    const std::string& source);

}  // namespace candor::collectors
