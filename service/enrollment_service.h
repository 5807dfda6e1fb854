#pragma once

// EnrollmentService: a device trades a bootstrap token and a CSR for its identity, and
// later its certificate for a fresh one. The only service reachable without a client
// certificate. Failed tokens are counted per client address: after 5, one more attempt is
// allowed every 12 seconds (RESOURCE_EXHAUSTED until then), so guessing is hopeless.

#include <chrono>
#include <functional>

#include "candor/v1/enrollment.grpc.pb.h"
#include "service/identity.h"
#include "service/metrics.h"
#include "service/pki/certificate_authority.h"
#include "service/rate_limiter.h"
#include "service/storage/registry_store.h"

namespace candor::service {

// A new bootstrap token: "cnd_" and 43 characters of base64url (256 random bits).
std::string NewEnrollmentToken();
// SHA-256 of a token, hex: what the server stores.
std::string TokenHash(const std::string& token);
// A random (version 4) UUID.
std::string NewUuid();

class EnrollmentServiceImpl final : public v1::EnrollmentService::Service {
 public:
  using Clock = std::chrono::system_clock;

  // Refusals and registry failures are counted in `metrics`, which must outlive this.
  EnrollmentServiceImpl(const CertificateAuthority& ca, RegistryStore& registry,
                        ServerMetrics& metrics, std::chrono::seconds certificate_lifetime,
                        std::function<Clock::time_point()> now,
                        std::function<RateLimiter::Clock::time_point()> steady_now);

  grpc::Status Enroll(grpc::ServerContext* context, const v1::EnrollRequest* request,
                      v1::EnrollResponse* response) override;
  grpc::Status Renew(grpc::ServerContext* context, const v1::RenewRequest* request,
                     v1::EnrollResponse* response) override;

 private:
  grpc::Status Issue(const DeviceIdentity& device, const std::string& csr_pem,
                     IssuedCertificate& issued);

  const CertificateAuthority& ca_;
  RegistryStore& registry_;
  ServerMetrics& metrics_;
  const std::chrono::seconds lifetime_;
  const std::function<Clock::time_point()> now_;
  RateLimiter failures_;
};

}  // namespace candor::service
