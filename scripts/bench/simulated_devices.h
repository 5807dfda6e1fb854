#pragma once

// What the benchmarks that simulate many agents in one process share (bench_policy_push,
// bench_fleet): device identities issued by the server's CA, as enrollment would issue
// them, and one TLS connection per agent, as each real agent has its own.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "candor/v1/agent_service.grpc.pb.h"
#include "config/keys.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "service/pki/certificate_authority.h"

namespace candor::bench {

// A new EC P-256 key and a certificate for device number `index` of tenant `tenant` from
// `ca`, as TLS options that trust `ca_pem`.
inline absl::StatusOr<grpc::SslCredentialsOptions> DeviceCredentials(
    const service::CertificateAuthority& ca, const std::string& ca_pem, const std::string& tenant,
    size_t index) {
  absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
  if (!key.ok()) return key.status();
  service::LeafSpec spec;
  spec.common_name = absl::StrCat("device-", index);
  spec.uris = {absl::StrCat("candor://tenant/", tenant, "/device/00000000-0000-4000-8000-",
                            absl::StrFormat("%012d", index))};
  absl::StatusOr<std::string> csr = config::NewCsrPem(*key, spec.common_name);
  if (!csr.ok()) return csr.status();
  auto cert = ca.Issue(*csr, spec, std::chrono::system_clock::now());
  if (!cert.ok()) return cert.status();
  return grpc::SslCredentialsOptions{
      .pem_root_certs = ca_pem, .pem_private_key = *key, .pem_cert_chain = cert->pem};
}

// An agent stub on a connection of its own (gRPC would otherwise share one connection
// among channels to the same target).
inline std::unique_ptr<v1::AgentService::Stub> AgentStub(const std::string& target,
                                                         const grpc::SslCredentialsOptions& tls) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return v1::AgentService::NewStub(
      grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), args));
}

}  // namespace candor::bench
