#include "service/init_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "config/keys.h"
#include "service/pki/certificate_authority.h"
#include "service/server_config.h"

namespace candor::service {
namespace {

// Writes a file that must not exist yet, with `mode`, and syncs it.
absl::Status WriteNewFile(const std::filesystem::path& path, const std::string& content,
                          mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return errno == EEXIST ? absl::AlreadyExistsError(
                                 absl::StrCat(path.string(), " exists; nothing was overwritten"))
                           : absl::UnavailableError(absl::StrCat("cannot create ", path.string(),
                                                                 ": ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("cannot write ", path.string(), ": ", std::strerror(saved)));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return absl::UnavailableError(absl::StrCat("cannot sync ", path.string()));
  return absl::OkStatus();
}

bool IsIpAddress(const std::string& host) {
  return host.find_first_not_of("0123456789.") == std::string::npos ||
         host.find(':') != std::string::npos;
}

// A new key and a certificate for it from `ca`, written as <stem>.key and <stem>.pem.
absl::Status IssueKeyPair(const CertificateAuthority& ca, const LeafSpec& spec,
                          const std::filesystem::path& stem) {
  absl::StatusOr<std::string> key = config::NewPrivateKeyPem();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> csr = config::NewCsrPem(*key, spec.common_name);
  if (!csr.ok()) return csr.status();
  absl::StatusOr<IssuedCertificate> cert = ca.Issue(*csr, spec, std::chrono::system_clock::now());
  if (!cert.ok()) return cert.status();
  if (absl::Status s = WriteNewFile(stem.string() + ".key", *key, 0600); !s.ok()) return s;
  return WriteNewFile(stem.string() + ".pem", cert->pem, 0644);
}

LeafSpec AdminSpec(const AdminIdentity& admin, std::chrono::seconds lifetime) {
  return LeafSpec{.use = LeafSpec::Use::kClient,
                  .common_name = admin.name,
                  .uris = {AdminUri(admin)},
                  .lifetime = lifetime};
}

}  // namespace

absl::Status InitServer(const InitOptions& options, std::ostream& out) {
  if (!IsIdentityPart(options.admin)) {
    return absl::InvalidArgumentError("--admin: 1-64 letters, digits, '-', '_' or '.'");
  }
  if (options.metrics_listen != "off" && !config::ParseHostPort(options.metrics_listen)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-listen: expected host:port like \"127.0.0.1:9464\" or off, got \"",
                     options.metrics_listen, "\""));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", options.dir.string(), ": ", ec.message()));
  }
  if (std::filesystem::exists(options.dir / "ca.key")) {
    return absl::AlreadyExistsError(
        absl::StrCat(options.dir.string(), " already holds a CA (ca.key); nothing was changed"));
  }
  absl::StatusOr<std::unique_ptr<CertificateAuthority>> ca = CertificateAuthority::Create(
      "Candor CA", options.ca_lifetime, std::chrono::system_clock::now());
  if (!ca.ok()) return ca.status();
  if (absl::Status s = WriteNewFile(options.dir / "ca.key", (*ca)->key_pem(), 0600); !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteNewFile(options.dir / "ca.pem", (*ca)->cert_pem(), 0644); !s.ok()) {
    return s;
  }
  LeafSpec server{.use = LeafSpec::Use::kServer,
                  .common_name = options.hosts.empty() ? "localhost" : options.hosts[0],
                  .dns = {"localhost"},
                  .ips = {"127.0.0.1", "::1"},
                  .lifetime = options.server_lifetime};
  for (const std::string& host : options.hosts) {
    (IsIpAddress(host) ? server.ips : server.dns).push_back(host);
  }
  if (absl::Status s = IssueKeyPair(**ca, server, options.dir / "server"); !s.ok()) return s;
  const AdminIdentity admin{.name = options.admin, .role = AdminRole::kMspAdmin};
  if (absl::Status s =
          IssueKeyPair(**ca, AdminSpec(admin, options.admin_lifetime), options.dir / options.admin);
      !s.ok()) {
    return s;
  }
  const std::string yaml = absl::StrCat(
      "# candor-server's configuration, made by candor-server init (docs/operations.md).\n",
      "listen: ", options.listen, "\n", "metrics_listen: ", options.metrics_listen,
      "  # Prometheus /metrics, plain HTTP; or off\n",
      "tls:\n  cert: server.pem\n  key: server.key\n  client_ca: ca.pem\n", "storage: candor.db\n",
      "enrollment:\n  ca_cert: ca.pem\n  ca_key: ca.key\n  certificate_lifetime: 30d\n");
  if (absl::Status s = WriteNewFile(options.dir / "server.yaml", yaml, 0644); !s.ok()) return s;
  const std::string dir = options.dir.string();
  out << "Made in " << dir << ":\n"
      << "  ca.pem, ca.key          the CA (keep ca.key on this machine, mode 0600)\n"
      << "  server.pem, server.key  the server's certificate\n"
      << "  " << options.admin << ".pem, " << options.admin
      << ".key  the msp-admin certificate for candorctl\n"
      << "  server.yaml             the server's config\n"
      << "Next:\n"
      << "  candor-server --config " << dir << "/server.yaml\n"
      << "  candorctl --server HOST:7443 --ca " << dir << "/ca.pem --cert " << dir << "/"
      << options.admin << ".pem --cert-key " << dir << "/" << options.admin
      << ".key tenant create TENANT\n";
  return absl::OkStatus();
}

absl::Status IssueAdminCertificate(const AdminCertOptions& options, std::ostream& out) {
  absl::StatusOr<ServerConfig> config = LoadServerConfig(options.config);
  if (!config.ok()) return config.status();
  if (!config->enrollment.enabled) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.config.string(), " has no enrollment CA (enrollment.ca_key)"));
  }
  absl::StatusOr<std::unique_ptr<CertificateAuthority>> ca =
      CertificateAuthority::Load(config->enrollment.ca_cert, config->enrollment.ca_key);
  if (!ca.ok()) return ca.status();
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  const std::filesystem::path stem = options.out_dir / options.admin.name;
  if (absl::Status s = IssueKeyPair(**ca, AdminSpec(options.admin, options.lifetime), stem);
      !s.ok()) {
    return s;
  }
  out << "Made " << stem.string() << ".pem and " << stem.string() << ".key for "
      << options.admin.ToString() << "\n";
  return absl::OkStatus();
}

}  // namespace candor::service
