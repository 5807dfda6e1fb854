#pragma once

// PolicyStore: where the agent's policy comes from. It validates the configured policy
// file and keeps the last good one in state_dir, so that a broken edit (or a broken file
// at boot) never leaves the device without the policy it had. Not thread-safe: used from
// the agent's event loop.

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "config/catalog.h"
#include "config/policy.h"

namespace candor::agent {

class PolicyStore {
 public:
  static constexpr const char* kLastGoodName = "policy.last-good.yaml";

  PolicyStore(std::filesystem::path configured, std::filesystem::path state_dir,
              config::CollectorCatalog catalog)
      : configured_(std::move(configured)),
        state_dir_(std::move(state_dir)),
        catalog_(std::move(catalog)) {}

  struct Initial {
    std::shared_ptr<const config::Policy> policy;
    // Why the configured file was refused, when the last good copy is used instead.
    absl::Status rejected;
  };

  // The configured policy when valid (it becomes the last good one); otherwise the last
  // good copy, with the rejection. kInvalidArgument (the file's errors) when neither works.
  absl::StatusOr<Initial> LoadInitial();

  // Reads and validates the configured file again; on success it becomes the last good
  // one. On failure (kInvalidArgument with every error) nothing changes.
  absl::StatusOr<std::shared_ptr<const config::Policy>> Reload();

  const std::filesystem::path& configured() const { return configured_; }
  const config::CollectorCatalog& catalog() const { return catalog_; }

 private:
  const std::filesystem::path configured_;
  const std::filesystem::path state_dir_;
  const config::CollectorCatalog catalog_;
};

}  // namespace candor::agent
