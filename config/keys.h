#pragma once

// Key material in PEM, made and read with OpenSSL: the device's and the admins' EC P-256
// keys and certificate signing requests, and what a certificate says about its validity.
// Shared by the agent (enrollment), candor-server (its CA) and candorctl.

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace candor::config {

// Certificates and keys are small; a larger file is not one (and is not read whole).
inline constexpr size_t kMaxPemBytes = 256 * 1024;

// A new EC P-256 private key, PKCS#8 PEM.
absl::StatusOr<std::string> NewPrivateKeyPem();

// A certificate signing request for `key_pem`, subject CN=`common_name`, signed with it
// (SHA-256). It asks for nothing else: the CA decides every name and use.
absl::StatusOr<std::string> NewCsrPem(const std::string& key_pem, const std::string& common_name);

struct CertificateValidity {
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

// The validity period of the first certificate in `pem`.
absl::StatusOr<CertificateValidity> ReadCertificateValidity(const std::string& pem);

// The URI subject alternative names of the first certificate in `pem`.
absl::StatusOr<std::vector<std::string>> ReadCertificateUris(const std::string& pem);

// Whether the public key of the first certificate in `cert_pem` is the one of `key_pem`.
absl::StatusOr<bool> CertificateMatchesKey(const std::string& cert_pem, const std::string& key_pem);

}  // namespace candor::config
