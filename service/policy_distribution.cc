#include "service/policy_distribution.h"

namespace candor::service {

std::shared_ptr<const OfferedPolicy> TenantPolicies::For(const std::string& group) const {
  if (!group.empty()) {
    auto it = by_group.find(group);
    if (it != by_group.end()) return it->second;
  }
  return tenant_wide;
}

absl::StatusOr<std::shared_ptr<const TenantPolicies>> PolicyDistribution::LoadLocked(
    const std::string& tenant) {
  absl::StatusOr<std::vector<PolicyRecord>> latest = registry_.Policies(tenant, true);
  if (!latest.ok()) return latest.status();
  auto policies = std::make_shared<TenantPolicies>();
  for (PolicyRecord& record : *latest) {
    auto offered = std::make_shared<OfferedPolicy>();
    offered->version = record.version;
    offered->policy.set_policy_yaml(std::move(record.yaml));
    offered->policy.set_group(record.group);
    offered->policy.set_key_id(std::move(record.key_id));
    offered->policy.set_signature(std::move(record.signature));
    if (record.group.empty()) {
      policies->tenant_wide = std::move(offered);
    } else {
      policies->by_group[record.group] = std::move(offered);
    }
  }
  std::shared_ptr<const TenantPolicies> result = std::move(policies);
  cache_[tenant] = result;
  return result;
}

absl::StatusOr<std::shared_ptr<const TenantPolicies>> PolicyDistribution::ForTenant(
    const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(tenant);
  if (it != cache_.end()) return it->second;
  return LoadLocked(tenant);
}

absl::StatusOr<size_t> PolicyDistribution::Push(const PolicyRecord& policy) {
  std::shared_ptr<const TenantPolicies> policies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Status s = registry_.AddPolicy(policy); !s.ok()) return s;
    absl::StatusOr<std::shared_ptr<const TenantPolicies>> loaded = LoadLocked(policy.tenant);
    if (!loaded.ok()) {
      // Stored, but not offered now: streams get it when they next connect.
      cache_.erase(policy.tenant);
      return loaded.status();
    }
    policies = *loaded;
  }
  return streams_.Offer(policy.tenant, policies);
}

absl::StatusOr<size_t> PolicyDistribution::Refresh(const std::string& tenant) {
  std::shared_ptr<const TenantPolicies> policies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<std::shared_ptr<const TenantPolicies>> loaded = LoadLocked(tenant);
    if (!loaded.ok()) {
      cache_.erase(tenant);
      return loaded.status();
    }
    policies = *loaded;
  }
  return streams_.Offer(tenant, policies);
}

absl::Status PolicyDistribution::RefreshAll() {
  std::vector<std::string> tenants;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tenant, policies] : cache_) tenants.push_back(tenant);
  }
  absl::Status first;
  for (const std::string& tenant : tenants) first.Update(Refresh(tenant).status());
  return first;
}

}  // namespace candor::service
