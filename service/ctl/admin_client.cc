#include "service/ctl/admin_client.h"

#include "absl/strings/str_cat.h"
#include "config/read_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace candor::ctl {

absl::StatusOr<std::unique_ptr<v1::AdminService::Stub>> Connect(const Connection& connection) {
  if (connection.server.empty()) {
    return absl::InvalidArgumentError("no server: --server HOST:PORT or CANDOR_SERVER");
  }
  grpc::SslCredentialsOptions tls;
  const std::pair<const std::string*, std::string*> files[] = {
      {&connection.ca, &tls.pem_root_certs},
      {&connection.cert, &tls.pem_cert_chain},
      {&connection.key, &tls.pem_private_key}};
  const char* names[] = {"--ca (CANDOR_CA)", "--cert (CANDOR_CERT)",
                         "--cert-key (CANDOR_CERT_KEY)"};
  for (size_t i = 0; i < 3; ++i) {
    if (files[i].first->empty()) return absl::InvalidArgumentError(absl::StrCat("no ", names[i]));
    absl::StatusOr<std::string> pem =
        config::ReadBoundedFile(*files[i].first, 256 * 1024, names[i]);
    if (!pem.ok()) return pem.status();
    *files[i].second = std::move(*pem);
  }
  return v1::AdminService::NewStub(
      grpc::CreateChannel(connection.server, grpc::SslCredentials(tls)));
}

}  // namespace candor::ctl
