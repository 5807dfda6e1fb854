#include "agent/policy_store.h"

#include "absl/strings/str_cat.h"
#include "config/atomic_file.h"
#include "config/device_identity.h"
#include "config/keys.h"
#include "config/read_file.h"
#include "config/yaml_tree.h"

namespace candor::agent {
namespace {

// The signed YAML and a signature.
constexpr size_t kMaxPushedBytes = 256 * 1024 + 4096;

std::shared_ptr<const config::Policy> EmptyPolicy() {
  auto policy = std::make_shared<config::Policy>();
  policy->name = "none yet";
  return policy;
}

}  // namespace

absl::StatusOr<std::string> TenantOfCertificate(const std::filesystem::path& certificate) {
  absl::StatusOr<std::string> pem =
      config::ReadBoundedFile(certificate, config::kMaxPemBytes, "device certificate");
  if (!pem.ok()) return pem.status();
  absl::StatusOr<std::vector<std::string>> uris = config::ReadCertificateUris(*pem);
  if (!uris.ok()) return uris.status();
  for (const std::string& uri : *uris) {
    if (std::optional<config::DeviceIdentity> device = config::ParseDeviceUri(uri)) {
      return device->tenant;
    }
  }
  return absl::NotFoundError(absl::StrCat("the device certificate ", certificate.string(),
                                          " names no device (candor://tenant/.../device/...)"));
}

absl::StatusOr<std::shared_ptr<const config::Policy>> PolicyStore::Reload() {
  if (configured_.empty()) return absl::NotFoundError("no policy file is configured");
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

absl::StatusOr<std::shared_ptr<const config::Policy>> PolicyStore::LoadLocal(
    absl::Status& rejected) {
  absl::StatusOr<std::shared_ptr<const config::Policy>> configured = Reload();
  if (configured.ok()) return configured;
  const std::filesystem::path last_good = state_dir_ / kLastGoodName;
  absl::StatusOr<config::Policy> fallback = config::LoadPolicyFile(last_good, catalog_);
  if (!fallback.ok()) {
    if (absl::IsNotFound(fallback.status())) return configured.status();
    return absl::InvalidArgumentError(
        absl::StrCat(configured.status().message(), "\n",
                     "and the last good copy is unusable: ", fallback.status().message()));
  }
  rejected = configured.status();
  return std::make_shared<const config::Policy>(std::move(*fallback));
}

absl::StatusOr<PolicyStore::Initial> PolicyStore::LoadInitial() {
  Initial initial;
  std::shared_ptr<const config::Policy> local;
  absl::Status local_error = absl::OkStatus();
  if (!configured_.empty()) {
    absl::StatusOr<std::shared_ptr<const config::Policy>> loaded = LoadLocal(initial.rejected);
    if (loaded.ok()) {
      local = *loaded;
    } else {
      local_error = loaded.status();
    }
  }

  std::shared_ptr<const config::Policy> pushed;
  absl::StatusOr<std::string> bytes =
      config::ReadBoundedFile(state_dir_ / kPushedName, kMaxPushedBytes, "stored pushed policy");
  if (bytes.ok()) {
    v1::SignedPolicy stored;
    absl::StatusOr<config::Policy> verified =
        stored.ParseFromString(*bytes)
            ? Verify(stored)
            : absl::StatusOr<config::Policy>(absl::DataLossError("not a signed policy"));
    if (verified.ok()) {
      pushed = std::make_shared<const config::Policy>(std::move(*verified));
    } else {
      initial.pushed_problem = absl::Status(
          verified.status().code(),
          absl::StrCat("the stored pushed policy is not used: ", verified.status().message()));
    }
  } else if (!absl::IsNotFound(bytes.status())) {
    initial.pushed_problem = bytes.status();
  }

  if (pushed != nullptr && (local == nullptr || pushed->version > local->version)) {
    initial.policy = pushed;
    initial.pushed = true;
  } else if (local != nullptr) {
    initial.policy = local;
  } else if (!local_error.ok()) {
    return local_error;
  } else {
    initial.policy = EmptyPolicy();
  }
  return initial;
}

absl::StatusOr<config::Policy> PolicyStore::Verify(const v1::SignedPolicy& signed_policy) const {
  if (trust_.keys.empty()) {
    return absl::PermissionDeniedError(
        "this agent pins no policy_keys, so it takes no policy from the server");
  }
  absl::StatusOr<std::string> tenant = TenantOfCertificate(trust_.certificate);
  if (!tenant.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot tell this device's tenant: ", tenant.status().message()));
  }
  // The signature covers this device's tenant: a policy signed for another tenant fails here.
  if (absl::Status s = config::VerifyPolicySignature(
          trust_.keys, signed_policy.key_id(), signed_policy.signature(), *tenant,
          signed_policy.group(), signed_policy.policy_yaml());
      !s.ok()) {
    return s;
  }
  absl::StatusOr<config::Policy> policy =
      config::ParsePolicyText(signed_policy.policy_yaml(), "pushed policy", catalog_);
  if (!policy.ok()) return policy.status();
  if (policy->tenant != *tenant) {
    return absl::PermissionDeniedError(absl::StrCat("the policy is for tenant ", policy->tenant,
                                                    "; this device belongs to ", *tenant));
  }
  return policy;
}

absl::StatusOr<std::shared_ptr<const config::Policy>> PolicyStore::AcceptPushed(
    const v1::SignedPolicy& signed_policy, uint64_t in_force) {
  absl::StatusOr<config::Policy> policy = Verify(signed_policy);
  if (!policy.ok()) return policy.status();
  if (policy->version <= in_force) {
    return absl::FailedPreconditionError(
        absl::StrCat("version ", policy->version, " is not newer than version ", in_force,
                     " in force (a policy never goes back to an older version)"));
  }
  if (absl::Status s =
          config::WriteFileAtomically(state_dir_, kPushedName, signed_policy.SerializeAsString());
      !s.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot keep the pushed policy: ", s.message()));
  }
  return std::make_shared<const config::Policy>(std::move(*policy));
}

}  // namespace candor::agent
