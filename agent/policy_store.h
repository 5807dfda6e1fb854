#pragma once

// PolicyStore: where the agent's policy comes from.
// - The configured file (optional): validated, and the last good copy kept in state_dir,
//   so that a broken edit (or a broken file at boot) never leaves the device without the
//   policy it had.
// - Policies the server pushes: taken only with a valid signature from a key pinned in the
//   agent's config (policy_keys), for this device's tenant (from its certificate), and with
//   a version higher than the one in force; the signed bytes are kept in state_dir and
//   checked again at every start.
// Whichever of the two has the higher version is in force. Not thread-safe: used from the
// agent's event loop.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "candor/v1/agent_service.pb.h"
#include "config/catalog.h"
#include "config/policy.h"
#include "config/policy_signature.h"

namespace candor::agent {

// Whom the agent takes pushed policies from.
struct PolicyTrust {
  std::vector<config::PolicyKey> keys;  // the config's policy_keys
  std::filesystem::path certificate;    // the device certificate: its URI names the tenant
};

// The tenant in a device certificate's URI SAN (candor://tenant/<tenant>/device/<id>).
absl::StatusOr<std::string> TenantOfCertificate(const std::filesystem::path& certificate);

class PolicyStore {
 public:
  static constexpr const char* kLastGoodName = "policy.last-good.yaml";
  static constexpr const char* kPushedName = "policy.pushed.pb";

  // `configured` may be empty: no local file, only pushed policies.
  PolicyStore(std::filesystem::path configured, std::filesystem::path state_dir,
              config::CollectorCatalog catalog, PolicyTrust trust)
      : configured_(std::move(configured)),
        state_dir_(std::move(state_dir)),
        catalog_(std::move(catalog)),
        trust_(std::move(trust)) {}

  struct Initial {
    std::shared_ptr<const config::Policy> policy;
    bool pushed = false;  // the policy came from the server
    // Why the configured file was refused, when the last good copy is used instead.
    absl::Status rejected;
    // Why a stored pushed policy was not used (keys changed, file damaged).
    absl::Status pushed_problem;
  };

  // The newer of the local policy (the configured file when valid, which becomes the last
  // good one, otherwise the last good copy) and the stored pushed policy. Without either:
  // an empty policy, version 0, until the server pushes one. kInvalidArgument (the file's
  // errors) when a configured file is unusable and nothing else is there.
  absl::StatusOr<Initial> LoadInitial();

  // Reads and validates the configured file again; on success it becomes the last good
  // one. On failure (kInvalidArgument with every error) nothing changes.
  absl::StatusOr<std::shared_ptr<const config::Policy>> Reload();

  // A policy the server pushed. On success it is stored and returned; kPermissionDenied
  // (signature, key, tenant), kInvalidArgument (the policy's errors) or kFailedPrecondition
  // (not newer than `in_force`) otherwise, and nothing changes.
  absl::StatusOr<std::shared_ptr<const config::Policy>> AcceptPushed(
      const v1::SignedPolicy& signed_policy, uint64_t in_force);

  const std::filesystem::path& configured() const { return configured_; }
  const config::CollectorCatalog& catalog() const { return catalog_; }

 private:
  // Signature, tenant and contents; not the version.
  absl::StatusOr<config::Policy> Verify(const v1::SignedPolicy& signed_policy) const;
  absl::StatusOr<std::shared_ptr<const config::Policy>> LoadLocal(absl::Status& rejected);

  const std::filesystem::path configured_;
  const std::filesystem::path state_dir_;
  const config::CollectorCatalog catalog_;
  const PolicyTrust trust_;
};

}  // namespace candor::agent
