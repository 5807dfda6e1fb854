#include "agent/enrollment.h"

#include "absl/strings/str_cat.h"
#include "agent/state_dir.h"
#include "candor/v1/enrollment.grpc.pb.h"
#include "config/atomic_file.h"
#include "config/keys.h"
#include "config/read_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "nlohmann/json.hpp"

namespace candor::agent {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::filesystem::path Pending(const std::filesystem::path& path) { return path.string() + ".new"; }

// `key_pem` and `cert_pem` replace the files at `key_path` and `cert_path` as a pair: both
// are first written durably as <name>.new (key first), then renamed, key first. A crash
// between the renames is completed by FinishPendingIdentity.
absl::Status InstallPair(const std::filesystem::path& key_path, const std::string& key_pem,
                         const std::filesystem::path& cert_path, const std::string& cert_pem) {
  absl::StatusOr<bool> matches = config::CertificateMatchesKey(cert_pem, key_pem);
  if (!matches.ok() || !*matches) {
    return absl::InternalError("the server's certificate is not for the key sent");
  }
  const std::filesystem::path dir = key_path.parent_path();
  for (const auto& [path, content] : {std::pair{&key_path, &key_pem}, {&cert_path, &cert_pem}}) {
    if (absl::Status s =
            config::WriteFileAtomically(dir, Pending(*path).filename().string(), *content);
        !s.ok()) {
      return s;
    }
  }
  return FinishPendingIdentity(key_path, cert_path);
}

}  // namespace

absl::StatusOr<DeviceId> Enroll(const EnrollOptions& options) {
  if (absl::Status s = PrepareStateDir(options.state_dir); !s.ok()) return s;
  const std::filesystem::path dir = config::IdentityDir(options.state_dir);
  if (absl::Status s = PrepareStateDir(dir); !s.ok()) return s;
  if (absl::Status s = FinishPendingIdentity(dir / "device.key", dir / "device.pem"); !s.ok()) {
    return s;
  }
  if (std::filesystem::exists(dir / "device.pem") && !options.replace) {
    return absl::AlreadyExistsError(
        absl::StrCat("this device is already enrolled (", dir.string(),
                     "); use --replace to enroll again with a new identity"));
  }
  absl::StatusOr<std::string> ca =
      config::ReadBoundedFile(options.ca, config::kMaxPemBytes, "--ca");
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
  const std::string ids =
      nlohmann::json{{"tenant", response.tenant()}, {"device_id", response.device_id()}}.dump() +
      "\n";
  for (const auto& [name, content] :
       {std::pair{"ca.pem", ca->c_str()}, {"device.json", ids.c_str()}}) {
    if (absl::Status s = config::WriteFileAtomically(dir, name, content); !s.ok()) return s;
  }
  if (absl::Status s =
          InstallPair(dir / "device.key", *key, dir / "device.pem", response.certificate_pem());
      !s.ok()) {
    return s;
  }
  return DeviceId{response.tenant(), response.device_id()};
}

bool NeedsRenewal(const std::filesystem::path& cert, std::chrono::system_clock::time_point now) {
  absl::StatusOr<std::string> pem = config::ReadBoundedFile(cert, config::kMaxPemBytes);
  if (!pem.ok()) return false;  // nothing to renew; connecting will say what is wrong
  absl::StatusOr<config::CertificateValidity> validity = config::ReadCertificateValidity(*pem);
  if (!validity.ok()) return false;
  return now >= validity->not_before + (validity->not_after - validity->not_before) * 2 / 3;
}

absl::StatusOr<grpc::SslCredentialsOptions> ReadTlsFiles(const config::AgentTlsFiles& files) {
  grpc::SslCredentialsOptions tls;
  for (const auto& [path, target, what] :
       {std::tuple{&files.ca, &tls.pem_root_certs, "tls.ca"},
        std::tuple{&files.cert, &tls.pem_cert_chain, "tls.cert"},
        std::tuple{&files.key, &tls.pem_private_key, "tls.key"}}) {
    absl::StatusOr<std::string> pem = config::ReadBoundedFile(*path, config::kMaxPemBytes, what);
    if (!pem.ok()) return pem.status();
    *target = std::move(*pem);
  }
  return tls;
}

absl::Status Renew(const config::AgentConfig& config, std::chrono::seconds timeout) {
  // The new pair is written where the old one is (state_dir/identity unless the config
  // names other files), as one pair in one directory.
  if (config.tls.key.parent_path() != config.tls.cert.parent_path()) {
    return absl::FailedPreconditionError("tls.cert and tls.key must be in one directory to renew");
  }
  if (absl::Status s = FinishPendingIdentity(config.tls.key, config.tls.cert); !s.ok()) return s;
  absl::StatusOr<grpc::SslCredentialsOptions> tls = ReadTlsFiles(config.tls);
  if (!tls.ok()) return tls.status();
  absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> csr = config::NewCsrPem(*key, "candor-agent");
  if (!csr.ok()) return csr.status();
  auto stub = v1::EnrollmentService::NewStub(
      grpc::CreateChannel(config.server.ToString(), grpc::SslCredentials(*tls)));
  v1::RenewRequest request;
  request.set_csr_pem(*csr);
  v1::EnrollResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (grpc::Status s = stub->Renew(&context, request, &response); !s.ok()) return FromGrpc(s);
  return InstallPair(config.tls.key, *key, config.tls.cert, response.certificate_pem());
}

absl::Status FinishPendingIdentity(const std::filesystem::path& key_path,
                                   const std::filesystem::path& cert_path) {
  std::error_code ec;
  if (!std::filesystem::exists(Pending(cert_path), ec)) {
    // The pair never got its certificate: the old pair stands.
    std::filesystem::remove(Pending(key_path), ec);
    return absl::OkStatus();
  }
  if (std::filesystem::exists(Pending(key_path), ec)) {
    std::filesystem::rename(Pending(key_path), key_path, ec);
  }
  if (!ec) std::filesystem::rename(Pending(cert_path), cert_path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot store the identity: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace candor::agent
