#include "agent/policy_store.h"

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"
#include "config/read_file.h"
#include "config/yaml_tree.h"

namespace candor::agent {

absl::StatusOr<std::shared_ptr<const config::Policy>> PolicyStore::Reload() {
  // Read once and keep exactly the bytes that were validated.
  const config::YamlLimits limits;
  absl::StatusOr<std::string> text = config::ReadBoundedFile(configured_, limits.max_bytes);
  if (!text.ok()) return absl::InvalidArgumentError(text.status().message());
  absl::StatusOr<config::Policy> policy =
      config::ParsePolicyText(*text, configured_.string(), catalog_);
  if (!policy.ok()) return policy.status();
  if (absl::Status s = config::WriteFileAtomically(state_dir_, kLastGoodName, *text); !s.ok()) {
    // The policy is valid; failing to keep a copy only weakens the fallback.
    return absl::UnavailableError(absl::StrCat("cannot keep the last good policy: ", s.message()));
  }
  return std::make_shared<const config::Policy>(std::move(*policy));
}

absl::StatusOr<PolicyStore::Initial> PolicyStore::LoadInitial() {
  absl::StatusOr<std::shared_ptr<const config::Policy>> configured = Reload();
  if (configured.ok()) return Initial{*configured, absl::OkStatus()};

  const std::filesystem::path last_good = state_dir_ / kLastGoodName;
  absl::StatusOr<config::Policy> fallback = config::LoadPolicyFile(last_good, catalog_);
  if (!fallback.ok()) {
    if (absl::IsNotFound(fallback.status())) return configured.status();
    return absl::InvalidArgumentError(
        absl::StrCat(configured.status().message(), "\n",
                     "and the last good copy is unusable: ", fallback.status().message()));
  }
  return Initial{std::make_shared<const config::Policy>(std::move(*fallback)), configured.status()};
}

}  // namespace candor::agent
