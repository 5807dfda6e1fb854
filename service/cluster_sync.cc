#include "service/cluster_sync.h"

#include "absl/strings/str_cat.h"
#include "service/log.h"

namespace candor::service {

void ClusterSync::PolicyPushed(const std::string& tenant) {
  absl::StatusOr<size_t> offered = policies_.Refresh(tenant);
  if (!offered.ok()) {
    // The cache entry is gone, so streams read the policies again when they next ask.
    Log(absl::StrCat("policy pushed for ", tenant,
                     " by another server not read: ", offered.status().message()));
    return;
  }
  Log(absl::StrCat("policy pushed for ", tenant, " by another server, offered on ", *offered,
                   " open stream(s)"));
}

void ClusterSync::DeviceRevoked(const std::string& device_id) {
  const size_t closed = streams_.CancelDevice(device_id);
  Log(absl::StrCat("device ", device_id, " revoked by another server, ", closed,
                   " open stream(s) closed"));
}

void ClusterSync::ChangesMissed() {
  if (absl::Status s = policies_.RefreshAll(); !s.ok()) {
    Log(absl::StrCat("policies not read again after a lost connection: ", s.message()));
  }
  for (const std::string& device_id : streams_.OpenDevices()) {
    absl::StatusOr<std::optional<DeviceRecord>> record = registry_.Device(device_id);
    if (record.ok() && *record && (*record)->revoked_at_ms) DeviceRevoked(device_id);
  }
}

}  // namespace candor::service
