#pragma once

// Uplink: the agent's side of AgentService.Connect over mutual TLS. It sends the spool's
// durable events in batches, several in flight, and trims the spool as the server
// acknowledges them. The server's answer to the hello (the highest seq it holds) goes to
// Spool::ServerHolds, so a seq the server has seen is never used again.
// Flush() is used by one thread at a time; Cancel() may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "agent/spool.h"
#include "candor/v1/agent_service.grpc.pb.h"
#include "config/agent_config.h"
#include "grpcpp/channel.h"

namespace candor::agent {

class Uplink {
 public:
  // Reads the TLS files named in `config` and prepares (but does not open) the channel.
  static absl::StatusOr<std::unique_ptr<Uplink>> Create(const config::AgentConfig& config,
                                                        std::string agent_version);

  // Batches sent before waiting for an ack: the server stores one while the next arrives.
  static constexpr size_t kWindow = 8;

  // Delivers every durable event of `spool`, retrying the connection until `deadline`.
  // OK once all are acknowledged; kUnavailable, kResourceExhausted (the server asks to
  // slow down) or kDeadlineExceeded with gRPC's reason otherwise. Acknowledged events are
  // trimmed either way.
  absl::Status Flush(Spool& spool, std::chrono::system_clock::time_point deadline,
                     uint64_t policy_version);

  // Ends a Flush in progress (kCancelled) and every later one: the agent is stopping.
  void Cancel();

 private:
  Uplink(config::AgentConfig config, std::string agent_version);
  // (Re)reads the TLS files and makes a new channel.
  absl::Status OpenChannel();
  // At two thirds of the certificate's life, trades it for a fresh one (new key) and
  // reconnects with it; on failure tries again an hour later, the old one still in use.
  void RenewIfDue();
  absl::Status FlushOnce(Spool& spool, std::chrono::system_clock::time_point deadline,
                         uint64_t policy_version);

  const config::AgentConfig config_;
  std::chrono::system_clock::time_point next_renewal_attempt_{};
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> stub_;
  std::string agent_version_;
  std::mutex mu_;
  std::condition_variable cancelled_cv_;
  bool cancelled_ = false;
  grpc::ClientContext* active_ = nullptr;  // the call in progress, for Cancel()
};

}  // namespace candor::agent
