#include "service/server.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "collectors/builtin.h"
#include "config/keys.h"
#include "config/read_file.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "proto/limits.h"
#include "service/log.h"
#include "service/storage/open_store.h"

namespace candor::service {
namespace {

constexpr int kTlsFrameBytes = 4096;  // see GRPC_ARG_TSI_MAX_FRAME_SIZE below

absl::StatusOr<std::string> ReadPem(const std::filesystem::path& path, absl::string_view what) {
  absl::StatusOr<std::string> pem = config::ReadBoundedFile(path, config::kMaxPemBytes, what);
  if (pem.ok() && !absl::StrContains(*pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path.string(), ": not a PEM file"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerConfig& config) {
  absl::StatusOr<std::string> cert = ReadPem(config.tls.cert, "tls.cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(config.tls.key, "tls.key");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> client_ca = ReadPem(config.tls.client_ca, "tls.client_ca");
  if (!client_ca.ok()) return client_ca.status();

  std::unique_ptr<Server> server(new Server());
  absl::StatusOr<std::unique_ptr<Storage>> store = OpenStorage(config.storage, {});
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);
  server->pruner_ = std::make_unique<RetentionPruner>(
      *server->store_, config.retention, [] { return std::chrono::system_clock::now(); });
  server->limiter_ = std::make_unique<RateLimiter>(
      RateLimiter::Limit{.per_second = static_cast<double>(config.device_limits.events_per_second),
                         .burst = static_cast<double>(config.device_limits.burst)},
      [] { return RateLimiter::Clock::now(); });
  server->ingest_ = std::make_unique<Ingest>(
      *server->store_, [] { return EventStore::Clock::now(); }, server->limiter_.get());
  server->writer_ = std::make_unique<BatchWriter>(*server->ingest_, server->metrics_);
  RegistryStore& registry = *server->store_;
  ServerMetrics& metrics = server->metrics_;
  server->policies_ = std::make_unique<PolicyDistribution>(registry, server->tracker_);
  PolicyDistribution& policies = *server->policies_;
  StreamHooks hooks;
  // At the hello: a revoked device goes no further; the others' contact is recorded.
  hooks.admit = [&registry, &metrics](const DeviceIdentity& device,
                                      const v1::Hello& hello) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::optional<DeviceRecord>> record = registry.Device(device.device_id);
    if (!record.ok()) {
      metrics.StorageError(StorageOp::kRegistry);
      return record.status();
    }
    if (*record && (*record)->revoked_at_ms) {
      metrics.Rejected(Rejection::kAgentRevoked);
      return absl::PermissionDeniedError("this device has been revoked");
    }
    if (*record && (*record)->tenant != device.tenant) {
      metrics.Rejected(Rejection::kAgentTenantMismatch);
      return absl::PermissionDeniedError("the certificate's tenant is not the device's");
    }
    if (absl::Status s = registry.RecordContact(device.device_id, device.tenant,
                                                UnixMillis(std::chrono::system_clock::now()),
                                                hello.agent_version(), hello.policy_version());
        !s.ok()) {
      metrics.StorageError(StorageOp::kRegistry);
      return s;
    }
    return *record ? (*record)->group : std::string();
  };
  hooks.policies = [&policies](const std::string& tenant) { return policies.ForTenant(tenant); };
  hooks.policy_status = [&registry, &metrics](const DeviceIdentity& device,
                                              const v1::PolicyStatus& status) {
    if (!status.applied()) return;  // the agent also sends a policy_rejected event
    if (absl::Status s = registry.RecordPolicyVersion(device.device_id, status.in_force());
        !s.ok()) {
      metrics.StorageError(StorageOp::kRegistry);
      LogWarning(
          absl::StrCat("policy version of ", device.ToString(), " not recorded: ", s.message()));
    }
  };
  server->agent_service_ = std::make_unique<AgentServiceImpl>(
      *server->ingest_, *server->writer_, server->tracker_, metrics, std::move(hooks));
  if (config.enrollment.enabled) {
    absl::StatusOr<std::unique_ptr<CertificateAuthority>> ca =
        CertificateAuthority::Load(config.enrollment.ca_cert, config.enrollment.ca_key);
    if (!ca.ok()) return ca.status();
    server->ca_ = std::move(*ca);
    server->enrollment_service_ = std::make_unique<EnrollmentServiceImpl>(
        *server->ca_, registry, metrics, config.enrollment.certificate_lifetime,
        [] { return std::chrono::system_clock::now(); }, [] { return RateLimiter::Clock::now(); });
  }
  server->admin_service_ = std::make_unique<AdminServiceImpl>(
      registry, *server->store_, server->tracker_, policies, metrics, collectors::BuiltinCatalog(),
      [] { return std::chrono::system_clock::now(); });
  // Several servers on one PostgreSQL: policies pushed and devices revoked through another
  // reach this one's open streams too.
  server->cluster_sync_ = std::make_unique<ClusterSync>(policies, server->tracker_, registry);
  absl::StatusOr<std::unique_ptr<ChangeWatch>> watch =
      server->store_->WatchOtherServers(*server->cluster_sync_);
  if (!watch.ok()) return watch.status();
  server->change_watch_ = std::move(*watch);

  // A client certificate, when one is presented, must be issued by tls.client_ca. Agent and
  // admin calls refuse a caller without one (identity.h); only enrollment takes them.
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = *client_ca;
  tls.pem_key_cert_pairs.push_back({*key, *cert});

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen.ToString(), grpc::SslServerCredentials(tls),
                           &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(v1::kMaxMessageBytes));
  // Accept the agents' keepalive pings (docs/protocol.md) and find vanished agents.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             v1::kServerMinPingIntervalMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, v1::kServerKeepaliveTimeMs);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, v1::kServerKeepaliveTimeoutMs);
  // TLS records of at most 4 KiB from this side: what the server sends is acks and the
  // odd policy, and each connection's buffer for them is then 4 KiB instead of 16 KiB, which
  // is about 9 KiB less per connected agent (docs/benchmarks.md, fleet scale).
  builder.AddChannelArgument(GRPC_ARG_TSI_MAX_FRAME_SIZE, kTlsFrameBytes);
  builder.RegisterService(server->agent_service_.get());
  builder.RegisterService(server->admin_service_.get());
  if (server->enrollment_service_) builder.RegisterService(server->enrollment_service_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen.ToString(),
                     " (address in use, not local, or TLS key and certificate do not match)"));
  }
  if (config.metrics_listen) {
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
        MetricsHttpServer::Start(*config.metrics_listen, [&metrics] { return metrics.Render(); });
    if (!http.ok()) return http.status();
    server->metrics_http_ = std::move(*http);
  }
  return server;
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  change_watch_.reset();  // no more calls into the streams from other servers' changes
  grpc_server_->Shutdown(std::chrono::system_clock::now() + grace);
  tracker_.WaitUntilIdle();
}

Server::~Server() {
  if (grpc_server_ != nullptr) Shutdown(std::chrono::milliseconds(0));
}

}  // namespace candor::service
