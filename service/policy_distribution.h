#pragma once

// PolicyDistribution: which signed policy each device should run, and getting a newly
// pushed one onto every open agent stream at once. A device runs the newest policy of its
// group when its group has one, otherwise the newest policy for its whole tenant. Versions
// rise per tenant (RegistryStore::AddPolicy), so whatever a device is offered is newer than
// anything of its tenant it ran before. Thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "candor/v1/agent_service.pb.h"
#include "service/storage/registry_store.h"

namespace candor::service {

struct OfferedPolicy {
  uint64_t version = 0;
  v1::SignedPolicy policy;
};

// The newest policy of each group of one tenant. Immutable once built.
struct TenantPolicies {
  std::shared_ptr<const OfferedPolicy> tenant_wide;  // null: none
  std::map<std::string, std::shared_ptr<const OfferedPolicy>> by_group;

  // What a device of `group` ("" for none) runs; null when the tenant has no policy for it.
  std::shared_ptr<const OfferedPolicy> For(const std::string& group) const;
};

// Where a pushed policy goes: the open streams of a tenant (StreamTracker).
class PolicyFanOut {
 public:
  virtual ~PolicyFanOut() = default;
  // Hands `policies` to every open stream of `tenant`; how many streams there were.
  virtual size_t Offer(const std::string& tenant,
                       const std::shared_ptr<const TenantPolicies>& policies) = 0;
};

class PolicyDistribution {
 public:
  // Both must outlive this object.
  PolicyDistribution(RegistryStore& registry, PolicyFanOut& streams)
      : registry_(registry), streams_(streams) {}

  // The tenant's policies (read from the registry once, then kept up to date by Push).
  absl::StatusOr<std::shared_ptr<const TenantPolicies>> ForTenant(const std::string& tenant);

  // Stores `policy` (kFailedPrecondition when its version is not newer than the tenant's
  // newest) and offers it on every open stream of its tenant; how many streams.
  absl::StatusOr<size_t> Push(const PolicyRecord& policy);

  // Another server stored a policy for `tenant`: reads the tenant's policies again and
  // offers them on its open streams; how many streams.
  absl::StatusOr<size_t> Refresh(const std::string& tenant);
  // Changes may have been missed: Refresh every tenant read so far. The first error, after
  // trying all (a tenant that failed is read again when next asked for).
  absl::Status RefreshAll();

 private:
  absl::StatusOr<std::shared_ptr<const TenantPolicies>> LoadLocked(const std::string& tenant);

  RegistryStore& registry_;
  PolicyFanOut& streams_;
  std::mutex mu_;  // never held while calling streams_ (streams call ForTenant)
  std::map<std::string, std::shared_ptr<const TenantPolicies>> cache_;
};

}  // namespace candor::service
