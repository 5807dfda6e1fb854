#pragma once

// ClusterSync: what this server does when another server on the same PostgreSQL database
// pushed a policy or revoked a device (StorageChanges, called on the store's listener
// thread): offer the tenant's new policies on this server's open streams, cut the revoked
// device's streams. Thread-safe (its collaborators are).

#include <string>

#include "service/agent_stream.h"
#include "service/policy_distribution.h"
#include "service/storage/registry_store.h"
#include "service/storage/storage.h"

namespace candor::service {

class ClusterSync final : public StorageChanges {
 public:
  // All three must outlive this object.
  ClusterSync(PolicyDistribution& policies, StreamTracker& streams, RegistryStore& registry)
      : policies_(policies), streams_(streams), registry_(registry) {}

  void PolicyPushed(const std::string& tenant) override;
  void DeviceRevoked(const std::string& device_id) override;
  // Re-reads every cached tenant's policies, and cuts the open streams of devices revoked
  // meanwhile.
  void ChangesMissed() override;

 private:
  PolicyDistribution& policies_;
  StreamTracker& streams_;
  RegistryStore& registry_;
};

}  // namespace candor::service
