#include "agent/enrollment.h"

#include "absl/strings/str_cat.h"
#include "agent/atomic_file.h"
#include "agent/state_dir.h"
#include "candor/v1/enrollment.grpc.pb.h"
#include "config/keys.h"
#include "config/read_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nlohmann/json.hpp"

namespace candor::agent {
namespace {

constexpr size_t kMaxPemBytes = 256 * 1024;

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// The new identity, checked and written: the key first, the certificate last, so that a
// crash in between leaves a certificate that matches its key (the old pair, or the new).
absl::Status Store(const std::filesystem::path& dir, const std::string& key_pem,
                   const v1::EnrollResponse& response, const std::string& ca_pem) {
  absl::StatusOr<bool> matches = config::CertificateMatchesKey(response.certificate_pem(), key_pem);
  if (!matches.ok() || !*matches) {
    return absl::InternalError("the server's certificate is not for the key sent");
  }
  const std::string ids =
      nlohmann::json{{"tenant", response.tenant()}, {"device_id", response.device_id()}}.dump() +
      "\n";
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"device.key.new", key_pem},
           {"ca.pem", ca_pem},
           {"device.json", ids},
           {"device.pem.new", response.certificate_pem()}}) {
    if (absl::Status s = WriteFileAtomically(dir, name, content); !s.ok()) return s;
  }
  std::error_code ec;
  std::filesystem::rename(dir / "device.key.new", dir / "device.key", ec);
  if (!ec) std::filesystem::rename(dir / "device.pem.new", dir / "device.pem", ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot store the identity: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeviceId> Enroll(const EnrollOptions& options) {
  if (absl::Status s = PrepareStateDir(options.state_dir); !s.ok()) return s;
  const std::filesystem::path dir = config::IdentityDir(options.state_dir);
  if (absl::Status s = PrepareStateDir(dir); !s.ok()) return s;
  if (std::filesystem::exists(dir / "device.pem") && !options.replace) {
    return absl::AlreadyExistsError(
        absl::StrCat("this device is already enrolled (", dir.string(),
                     "); use --replace to enroll again with a new identity"));
  }
  absl::StatusOr<std::string> ca = config::ReadBoundedFile(options.ca, kMaxPemBytes, "--ca");
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> csr = config::NewCsrPem(*key, "candor-agent");
  if (!csr.ok()) return csr.status();

  grpc::SslCredentialsOptions tls;  // no client certificate: enrollment is how it gets one
  tls.pem_root_certs = *ca;
  auto stub = v1::EnrollmentService::NewStub(
      grpc::CreateChannel(options.server, grpc::SslCredentials(tls)));
  v1::EnrollRequest request;
  request.set_token(options.token);
  request.set_csr_pem(*csr);
  request.set_agent_version(options.agent_version);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options.timeout);
  context.set_wait_for_ready(true);  // ride out a server that is still starting
  if (grpc::Status s = stub->Enroll(&context, request, &response); !s.ok()) return FromGrpc(s);
  if (absl::Status s = Store(dir, *key, response, *ca); !s.ok()) return s;
  return DeviceId{response.tenant(), response.device_id()};
}

bool NeedsRenewal(const std::filesystem::path& cert, std::chrono::system_clock::time_point now) {
  absl::StatusOr<std::string> pem = config::ReadBoundedFile(cert, kMaxPemBytes);
  if (!pem.ok()) return false;  // nothing to renew; connecting will say what is wrong
  absl::StatusOr<config::CertificateValidity> validity = config::ReadCertificateValidity(*pem);
  if (!validity.ok()) return false;
  return now >= validity->not_before + (validity->not_after - validity->not_before) * 2 / 3;
}

absl::Status Renew(const config::AgentConfig& config, std::chrono::seconds timeout) {
  grpc::SslCredentialsOptions tls;
  for (const auto& [path, target] : {std::pair{&config.tls.ca, &tls.pem_root_certs},
                                     std::pair{&config.tls.cert, &tls.pem_cert_chain},
                                     std::pair{&config.tls.key, &tls.pem_private_key}}) {
    absl::StatusOr<std::string> pem = config::ReadBoundedFile(*path, kMaxPemBytes);
    if (!pem.ok()) return pem.status();
    *target = std::move(*pem);
  }
  absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> csr = config::NewCsrPem(*key, "candor-agent");
  if (!csr.ok()) return csr.status();
  auto stub = v1::EnrollmentService::NewStub(
      grpc::CreateChannel(config.server.ToString(), grpc::SslCredentials(tls)));
  v1::RenewRequest request;
  request.set_csr_pem(*csr);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (grpc::Status s = stub->Renew(&context, request, &response); !s.ok()) return FromGrpc(s);
  // Renewal writes where the certificate and key already are (state_dir/identity unless the
  // config names other files).
  const std::filesystem::path dir = config.tls.cert.parent_path();
  if (config.tls.key.parent_path() != dir) {
    return absl::FailedPreconditionError("tls.cert and tls.key must be in one directory to renew");
  }
  absl::StatusOr<bool> matches = config::CertificateMatchesKey(response.certificate_pem(), *key);
  if (!matches.ok() || !*matches) {
    return absl::InternalError("the server's certificate is not for the key sent");
  }
  const std::string key_name = config.tls.key.filename().string();
  const std::string cert_name = config.tls.cert.filename().string();
  if (absl::Status s = WriteFileAtomically(dir, key_name + ".new", *key); !s.ok()) return s;
  if (absl::Status s = WriteFileAtomically(dir, cert_name + ".new", response.certificate_pem());
      !s.ok()) {
    return s;
  }
  std::error_code ec;
  std::filesystem::rename(dir / (key_name + ".new"), config.tls.key, ec);
  if (!ec) std::filesystem::rename(dir / (cert_name + ".new"), config.tls.cert, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot store the renewal: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace candor::agent
