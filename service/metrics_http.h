#pragma once

// MetricsHttpServer: the plain-HTTP endpoint Prometheus scrapes. GET (or HEAD) /metrics
// answers with whatever `render` returns, as text/plain version 0.0.4; every other path
// is 404, every other method 405. Boost.Beast parses HTTP on Boost.Asio, on one thread of
// this object's own, so a slow scraper never holds a gRPC or storage thread.
//
// Bounded: requests over 8 KiB of header (or with a body) are refused, at most
// kMaxConnections are open at once (more are closed at accept), a connection must send
// its request within 10 s and is closed after 30 s idle between keep-alive requests.
//
// Start() returns once the socket is bound and listening. Thread-safe in the sense that
// nothing is shared with callers: the destructor stops the thread and closes every
// connection. `render` is called on the server's thread and must be thread-safe.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "config/host_port.h"

namespace candor::service {

class MetricsHttpServer {
 public:
  using Render = std::function<std::string()>;
  static constexpr int kMaxConnections = 64;

  // kUnavailable when the address cannot be resolved or bound (in use, not local).
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const config::HostPort& listen,
                                                                  Render render);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The address actually bound (the real port when 0 was asked for).
  const config::HostPort& address() const { return address_; }

 private:
  struct State;
  explicit MetricsHttpServer(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
  config::HostPort address_;
};

}  // namespace candor::service
