#pragma once

// Server: candor-server's running parts, wired in one place. Owns the store, ingest, the CA
// and the gRPC server: agents and admins with mutual TLS, enrollment with server-only TLS.
// Start() returns once it accepts connections.

#include <chrono>
#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"
#include "service/admin_service.h"
#include "service/agent_stream.h"
#include "service/enrollment_service.h"
#include "service/ingest.h"
#include "service/metrics.h"
#include "service/metrics_http.h"
#include "service/pki/certificate_authority.h"
#include "service/policy_distribution.h"
#include "service/rate_limiter.h"
#include "service/retention.h"
#include "service/server_config.h"
#include "service/storage/sqlite_store.h"

namespace candor::service {

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerConfig& config);
  ~Server();

  // The port actually bound (useful with port 0).
  int port() const { return port_; }
  // Where /metrics is served (the real port), or nullptr when metrics_listen is off.
  const config::HostPort* metrics_address() const {
    return metrics_http_ ? &metrics_http_->address() : nullptr;
  }

  // Stops accepting calls; streams still open after `grace` are cancelled. A batch being
  // stored finishes its transaction. Returns when no stream touches the store any more.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  Server() = default;

  // First, so it outlives everything that counts in it.
  ServerMetrics metrics_;
  std::unique_ptr<SqliteStore> store_;  // events and the registry
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<Ingest> ingest_;
  std::unique_ptr<BatchWriter> writer_;
  StreamTracker tracker_;
  std::unique_ptr<PolicyDistribution> policies_;
  std::unique_ptr<AgentServiceImpl> agent_service_;
  std::unique_ptr<CertificateAuthority> ca_;  // with enrollment
  std::unique_ptr<EnrollmentServiceImpl> enrollment_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<RetentionPruner> pruner_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<MetricsHttpServer> metrics_http_;  // none with metrics_listen: off
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace candor::service
