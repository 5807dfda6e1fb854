#include "service/enrollment_service.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/identity.h"
#include "service/log.h"

namespace candor::service {
namespace {

constexpr size_t kMaxTokenBytes = 128;
constexpr size_t kMaxCsrBytes = 16 * 1024;

// "ipv4:10.0.0.7:51234" -> "ipv4:10.0.0.7": failures count per address, not per port.
std::string PeerAddress(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

grpc::Status Refuse(grpc::StatusCode code, const std::string& message) {
  return grpc::Status(code, message);
}

}  // namespace

std::string NewEnrollmentToken() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof bytes);
  return "cnd_" + absl::WebSafeBase64Escape(
                      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string TokenHash(const std::string& token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string NewUuid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return absl::StrFormat("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

EnrollmentServiceImpl::EnrollmentServiceImpl(
    const CertificateAuthority& ca, RegistryStore& registry, ServerMetrics& metrics,
    std::chrono::seconds certificate_lifetime, std::function<Clock::time_point()> now,
    std::function<RateLimiter::Clock::time_point()> steady_now)
    : ca_(ca),
      registry_(registry),
      metrics_(metrics),
      lifetime_(certificate_lifetime),
      now_(std::move(now)),
      failures_(RateLimiter::Limit{.per_second = 1.0 / 12, .burst = 5}, std::move(steady_now)) {}

grpc::Status EnrollmentServiceImpl::Issue(const DeviceIdentity& device, const std::string& csr_pem,
                                          IssuedCertificate& issued) {
  if (csr_pem.empty() || csr_pem.size() > kMaxCsrBytes) {
    metrics_.Rejected(Rejection::kEnrollInvalidCsr);
    return Refuse(grpc::StatusCode::INVALID_ARGUMENT, "expected a PEM certificate request");
  }
  absl::StatusOr<IssuedCertificate> cert = ca_.Issue(csr_pem,
                                                     LeafSpec{.use = LeafSpec::Use::kClient,
                                                              .common_name = device.device_id,
                                                              .uris = {DeviceUri(device)},
                                                              .lifetime = lifetime_},
                                                     now_());
  if (!cert.ok()) {
    if (absl::IsInvalidArgument(cert.status())) metrics_.Rejected(Rejection::kEnrollInvalidCsr);
    return Refuse(absl::IsInvalidArgument(cert.status()) ? grpc::StatusCode::INVALID_ARGUMENT
                                                         : grpc::StatusCode::INTERNAL,
                  std::string(cert.status().message()));
  }
  issued = std::move(*cert);
  return grpc::Status::OK;
}

grpc::Status EnrollmentServiceImpl::Enroll(grpc::ServerContext* context,
                                           const v1::EnrollRequest* request,
                                           v1::EnrollResponse* response) {
  const std::string address = PeerAddress(context->peer());
  if (!failures_.Has(address, 1)) {
    metrics_.Rejected(Rejection::kEnrollThrottled);
    return Refuse(grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "too many failed enrollment attempts from this address; try again later");
  }
  auto failed = [&](grpc::StatusCode code, const std::string& why) {
    failures_.TryTake(address, 1);
    metrics_.Rejected(Rejection::kEnrollInvalidToken);
    LogWarning(absl::StrCat("enrollment refused from ", context->peer(), ": ", why));
    return Refuse(code, why);
  };
  const std::string& token = request->token();
  if (token.empty() || token.size() > kMaxTokenBytes || !absl::StartsWith(token, "cnd_")) {
    return failed(grpc::StatusCode::PERMISSION_DENIED, "not an enrollment token");
  }
  const std::string hash = TokenHash(token);
  const int64_t now_ms = UnixMillis(now_());
  absl::StatusOr<TokenRecord> found = registry_.FindToken(hash);
  if (absl::IsNotFound(found.status())) {
    return failed(grpc::StatusCode::PERMISSION_DENIED, "unknown enrollment token");
  }
  if (!found.ok()) {
    metrics_.StorageError(StorageOp::kRegistry);
    return Refuse(grpc::StatusCode::UNAVAILABLE, std::string(found.status().message()));
  }
  if (found->expires_at_ms <= now_ms) {
    return failed(grpc::StatusCode::PERMISSION_DENIED, "the enrollment token has expired");
  }
  if (found->uses_left <= 0) {
    return failed(grpc::StatusCode::PERMISSION_DENIED, "the enrollment token is used up");
  }
  // The server, not the agent, chooses the device id.
  const DeviceIdentity device{found->tenant, NewUuid()};
  IssuedCertificate issued;
  if (grpc::Status s = Issue(device, request->csr_pem(), issued); !s.ok()) return s;
  DeviceRecord record{.device_id = device.device_id,
                      .cert_serial = issued.serial,
                      .cert_not_after_ms = UnixMillis(issued.not_after)};
  // Takes the use and records the device together; a race for the last use loses here.
  absl::StatusOr<DeviceRecord> enrolled = registry_.EnrollDevice(hash, record, now_ms);
  if (absl::IsFailedPrecondition(enrolled.status()) || absl::IsNotFound(enrolled.status())) {
    return failed(grpc::StatusCode::PERMISSION_DENIED, std::string(enrolled.status().message()));
  }
  if (!enrolled.ok()) {
    metrics_.StorageError(StorageOp::kRegistry);
    return Refuse(grpc::StatusCode::UNAVAILABLE, std::string(enrolled.status().message()));
  }
  Log(absl::StrCat("enrolled device ", device.ToString(), " from ", context->peer(), " (agent ",
                   request->agent_version(), ")"));
  response->set_tenant(device.tenant);
  response->set_device_id(device.device_id);
  response->set_certificate_pem(issued.pem);
  response->set_ca_pem(ca_.cert_pem());
  return grpc::Status::OK;
}

grpc::Status EnrollmentServiceImpl::Renew(grpc::ServerContext* context,
                                          const v1::RenewRequest* request,
                                          v1::EnrollResponse* response) {
  absl::StatusOr<DeviceIdentity> device = IdentityFromAuthContext(*context->auth_context());
  if (!device.ok()) {
    metrics_.Rejected(Rejection::kRenewUnauthenticated);
    return Refuse(grpc::StatusCode::UNAUTHENTICATED, std::string(device.status().message()));
  }
  absl::StatusOr<std::optional<DeviceRecord>> record = registry_.Device(device->device_id);
  if (!record.ok()) {
    metrics_.StorageError(StorageOp::kRegistry);
    return Refuse(grpc::StatusCode::UNAVAILABLE, std::string(record.status().message()));
  }
  if (*record && (*record)->revoked_at_ms) {
    metrics_.Rejected(Rejection::kRenewRevoked);
    return Refuse(grpc::StatusCode::PERMISSION_DENIED, "this device has been revoked");
  }
  if (*record && (*record)->tenant != device->tenant) {
    metrics_.Rejected(Rejection::kRenewTenantMismatch);
    return Refuse(grpc::StatusCode::PERMISSION_DENIED, "certificate and registry disagree");
  }
  IssuedCertificate issued;
  if (grpc::Status s = Issue(*device, request->csr_pem(), issued); !s.ok()) return s;
  const int64_t now_ms = UnixMillis(now_());
  if (!*record) {
    // A device with a certificate from this CA made outside enrollment: record it now.
    if (absl::Status s = registry_.RecordContact(device->device_id, device->tenant, now_ms, "", 0);
        !s.ok()) {
      metrics_.StorageError(StorageOp::kRegistry);
      return Refuse(grpc::StatusCode::UNAVAILABLE, std::string(s.message()));
    }
  }
  if (absl::Status s = registry_.UpdateCertificate(device->device_id, issued.serial,
                                                   UnixMillis(issued.not_after));
      !s.ok()) {
    metrics_.StorageError(StorageOp::kRegistry);
    return Refuse(grpc::StatusCode::UNAVAILABLE, std::string(s.message()));
  }
  Log(absl::StrCat("renewed the certificate of ", device->ToString()));
  response->set_tenant(device->tenant);
  response->set_device_id(device->device_id);
  response->set_certificate_pem(issued.pem);
  response->set_ca_pem(ca_.cert_pem());
  return grpc::Status::OK;
}

}  // namespace candor::service
