#pragma once

// Signed policy: admins sign policy files with an Ed25519 key that only they hold
// (candorctl keys create / policy push); agents verify with the public keys pinned in their
// own config. The server stores and forwards signed policies but can neither make nor
// alter one. What is signed binds the policy to its tenant and group:
//   "candor-policy-v1\n" <len> ":" <tenant> "\n" <len> ":" <group> "\n" <policy file bytes>
// (lengths in decimal bytes, so no bytes can move from one field to another).
// A public key is written as a pin, "ed25519:" and the 32 raw bytes in base64; its id is
// the first 16 hex digits of their SHA-256.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace candor::config {

struct PolicyKey {
  std::string id;          // 16 hex digits
  std::string public_raw;  // 32 bytes
};

// A new Ed25519 private key, PKCS#8 PEM.
absl::StatusOr<std::string> NewSigningKeyPem();

// The pin ("ed25519:...") of the public half of `private_pem`.
absl::StatusOr<std::string> PublicKeyPin(const std::string& private_pem);

// Reads a pin; kInvalidArgument saying what is wrong with it.
absl::StatusOr<PolicyKey> ParsePublicKeyPin(absl::string_view pin);

// The bytes an admin signs and an agent verifies.
std::string SignedPolicyMessage(absl::string_view tenant, absl::string_view group,
                                absl::string_view policy_yaml);

struct PolicySignature {
  std::string key_id;
  std::string signature;  // 64 bytes
};

absl::StatusOr<PolicySignature> SignPolicy(const std::string& private_pem, absl::string_view tenant,
                                           absl::string_view group, absl::string_view policy_yaml);

// OK when `signature` is a valid signature of the message by the pinned key named
// `key_id`; kPermissionDenied saying which check failed otherwise.
absl::Status VerifyPolicySignature(const std::vector<PolicyKey>& pinned, absl::string_view key_id,
                                   absl::string_view signature, absl::string_view tenant,
                                   absl::string_view group, absl::string_view policy_yaml);

}  // namespace candor::config
