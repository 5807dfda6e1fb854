#pragma once

// The server's certificate authority: it signs the devices' short-lived client
// certificates (URI SAN candor://tenant/<tenant>/device/<uuid>), the server's own
// certificate and the admins' certificates. It signs only the public key of a request: the
// names, uses and lifetime are the CA's choice, never the requester's. EC P-256 keys.
// Thread-safe after construction.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace candor::service {

struct IssuedCertificate {
  std::string pem;
  std::string serial;  // hex
  std::chrono::system_clock::time_point not_after;
};

struct LeafSpec {
  enum class Use { kClient, kServer };
  Use use = Use::kClient;
  std::string common_name;
  std::vector<std::string> uris;  // URI SANs
  std::vector<std::string> dns;   // DNS SANs
  std::vector<std::string> ips;   // IP SANs ("127.0.0.1", "::1")
  std::chrono::seconds lifetime{30 * 86400};
};

class CertificateAuthority {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // Reads the CA's certificate and key (PEM files); kInvalidArgument when they do not match.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> Load(
      const std::filesystem::path& cert, const std::filesystem::path& key);
  // A new self-signed CA with a new key.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> Create(const std::string& name,
                                                                      std::chrono::seconds lifetime,
                                                                      TimePoint now);
  ~CertificateAuthority();

  const std::string& cert_pem() const { return cert_pem_; }
  std::string key_pem() const;

  // Checks the request's own signature and key type (EC P-256 or P-384), then signs its
  // public key into a certificate with exactly `spec`'s names and use, valid from a minute
  // before `now` (clock skew) for `spec.lifetime`.
  absl::StatusOr<IssuedCertificate> Issue(const std::string& csr_pem, const LeafSpec& spec,
                                          TimePoint now) const;

 private:
  struct Keys;
  CertificateAuthority(std::unique_ptr<Keys> keys, std::string cert_pem);
  std::unique_ptr<Keys> keys_;
  std::string cert_pem_;
};

}  // namespace candor::service
