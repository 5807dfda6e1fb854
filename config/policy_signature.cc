#include "config/policy_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "config/openssl_handles.h"

namespace candor::config {
namespace {

using openssl::Bio;
using openssl::Drain;
using openssl::Key;
using openssl::ReadBio;
using openssl::WriteBio;
using MdContext = std::unique_ptr<EVP_MD_CTX, openssl::Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

constexpr absl::string_view kPinPrefix = "ed25519:";
constexpr size_t kPublicKeyBytes = 32;
constexpr size_t kSignatureBytes = 64;

std::string KeyId(absl::string_view public_raw) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(public_raw.data()), public_raw.size(), digest);
  return absl::BytesToHexString(
             absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest))
      .substr(0, 16);
}

absl::StatusOr<Key> ReadSigningKey(const std::string& private_pem) {
  Bio in = ReadBio(private_pem);
  Key key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("not an Ed25519 private key in PEM (candorctl keys create)");
  }
  return key;
}

absl::StatusOr<std::string> RawPublic(EVP_PKEY* key) {
  std::string raw(kPublicKeyBytes, '\0');
  size_t length = raw.size();
  if (!EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length) ||
      length != kPublicKeyBytes) {
    return absl::InternalError("cannot read the Ed25519 public key");
  }
  return raw;
}

}  // namespace

absl::StatusOr<std::string> NewSigningKeyPem() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) return absl::InternalError("cannot generate an Ed25519 key");
  Bio out = WriteBio();
  if (!PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
    return absl::InternalError("cannot write the key");
  }
  return Drain(out.get());
}

absl::StatusOr<std::string> PublicKeyPin(const std::string& private_pem) {
  absl::StatusOr<Key> key = ReadSigningKey(private_pem);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> raw = RawPublic(key->get());
  if (!raw.ok()) return raw.status();
  return absl::StrCat(kPinPrefix, absl::Base64Escape(*raw));
}

absl::StatusOr<PolicyKey> ParsePublicKeyPin(absl::string_view pin) {
  if (!absl::StartsWith(pin, kPinPrefix)) {
    return absl::InvalidArgumentError(
        "expected \"ed25519:\" and a base64 public key (from candorctl keys create)");
  }
  std::string raw;
  if (!absl::Base64Unescape(pin.substr(kPinPrefix.size()), &raw) || raw.size() != kPublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", kPublicKeyBytes, " bytes of base64 after \"ed25519:\""));
  }
  return PolicyKey{.id = KeyId(raw), .public_raw = std::move(raw)};
}

std::string SignedPolicyMessage(absl::string_view tenant, absl::string_view group,
                                absl::string_view policy_yaml) {
  // Lengths first, so that no bytes can move between the fields.
  return absl::StrCat("candor-policy-v1\n", tenant.size(), ":", tenant, "\n", group.size(), ":",
                      group, "\n", policy_yaml);
}

absl::StatusOr<PolicySignature> SignPolicy(const std::string& private_pem, absl::string_view tenant,
                                           absl::string_view group, absl::string_view policy_yaml) {
  absl::StatusOr<Key> key = ReadSigningKey(private_pem);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> raw = RawPublic(key->get());
  if (!raw.ok()) return raw.status();
  const std::string message = SignedPolicyMessage(tenant, group, policy_yaml);
  std::string signature(kSignatureBytes, '\0');
  size_t length = signature.size();
  MdContext context(EVP_MD_CTX_new());
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != kSignatureBytes) {
    return absl::InternalError("cannot sign the policy");
  }
  return PolicySignature{.key_id = KeyId(*raw), .signature = std::move(signature)};
}

absl::Status VerifyPolicySignature(const std::vector<PolicyKey>& pinned, absl::string_view key_id,
                                   absl::string_view signature, absl::string_view tenant,
                                   absl::string_view group, absl::string_view policy_yaml) {
  if (signature.empty()) return absl::PermissionDeniedError("the policy is not signed");
  const PolicyKey* key = nullptr;
  for (const PolicyKey& candidate : pinned) {
    if (candidate.id == key_id) key = &candidate;
  }
  if (key == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat("signed by key ", key_id.substr(0, 16),
                                                    ", which is not pinned in ",
                                                    "this agent's policy_keys"));
  }
  if (signature.size() != kSignatureBytes) {
    return absl::PermissionDeniedError("the signature is not an Ed25519 signature");
  }
  Key public_key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key->public_raw.data()),
      key->public_raw.size()));
  MdContext context(EVP_MD_CTX_new());
  const std::string message = SignedPolicyMessage(tenant, group, policy_yaml);
  if (public_key == nullptr || context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, public_key.get()) != 1) {
    return absl::InternalError("cannot set up signature verification");
  }
  if (EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the signature does not match the policy, its tenant and group (key ", key->id, ")"));
  }
  return absl::OkStatus();
}

}  // namespace candor::config
