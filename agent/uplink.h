#pragma once

// Uplink: the agent's side of AgentService.Connect over mutual TLS. It sends the spool's
// durable events in batches, several in flight, and trims the spool as the server
// acknowledges them. The server's answer to the hello (the highest seq it holds) goes to
// Spool::ServerHolds, so a seq the server has seen is never used again.
//
// Two ways to use it: Flush() (--once) delivers what the spool holds and closes the
// stream; Session() keeps one stream open for as long as it works, sending events as they
// become durable and taking the policies the server pushes on it (PolicyHandler), whose
// outcome goes back with SendPolicyStatus(). Flush() and Session() are used by one thread
// at a time; the other methods may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/spool.h"
#include "candor/v1/agent_service.grpc.pb.h"
#include "config/agent_config.h"
#include "grpcpp/channel.h"

namespace candor::agent {

class Uplink {
 public:
  // A policy the server pushed; called on the uplink's reading thread, must not block.
  using PolicyHandler = std::function<void(v1::SignedPolicy policy)>;
  // The server durably stored every event up to `up_to`; `events` are those of them this
  // agent sent (in seq order). Called on the delivering thread before the spool drops them.
  using AckListener = std::function<void(std::vector<v1::Event> events, uint64_t up_to)>;

  // Reads the TLS files named in `config` and prepares (but does not open) the channel.
  static absl::StatusOr<std::unique_ptr<Uplink>> Create(const config::AgentConfig& config,
                                                        std::string agent_version);
  ~Uplink();

  // Batches sent before waiting for an ack: the server stores one while the next arrives.
  static constexpr size_t kWindow = 8;
  // Policy statuses kept while no stream is open; older ones are dropped.
  static constexpr size_t kMaxQueuedStatuses = 16;

  // Delivers every durable event of `spool`, retrying the connection until `deadline`.
  // OK once all are acknowledged; kUnavailable, kResourceExhausted (the server asks to
  // slow down) or kDeadlineExceeded with gRPC's reason otherwise. Acknowledged events are
  // trimmed either way. Policies the server offers are not taken (the service does that).
  absl::Status Flush(Spool& spool, std::chrono::system_clock::time_point deadline);

  // One long-lived stream: connects (the hello must be answered within `hello_timeout`),
  // then sends events whenever Wake() says there are new ones and hands pushed policies to
  // `on_policy`, until the stream breaks or Cancel(). `on_connected` runs once the server
  // has answered the hello. Returns why the stream ended.
  absl::Status Session(Spool& spool, std::chrono::milliseconds hello_timeout,
                       const PolicyHandler& on_policy, const std::function<void()>& on_connected);

  // The spool holds new durable events.
  void Wake();
  // The policy version sent in the next hello.
  void SetPolicyVersion(uint64_t version);
  // Sent on the open stream, or on the next one.
  void SendPolicyStatus(v1::PolicyStatus status);
  // The agent is stopping: a Session whose stream is open sends what the spool holds, waits
  // for the acks until `deadline` and then closes the stream cleanly (WritesDone, Finish),
  // returning OK when every event was acknowledged and kDeadlineExceeded otherwise (what is
  // not acknowledged stays in the spool). A Session still connecting ends at once
  // (kCancelled). Cancel() remains the hard stop.
  void Drain(std::chrono::steady_clock::time_point deadline);
  // Ends a Flush or Session in progress (kCancelled) and every later one: the agent is stopping.
  void Cancel();
  // Set before the first Flush or Session.
  void SetAckListener(AckListener listener) { ack_listener_ = std::move(listener); }

 private:
  Uplink(config::AgentConfig config, std::string agent_version);
  // (Re)reads the TLS files and makes a new channel.
  absl::Status OpenChannel();
  // At two thirds of the certificate's life, trades it for a fresh one (new key) and
  // reconnects with it; on failure tries again an hour later, the old one still in use.
  void RenewIfDue();
  // One stream. `stay_open`: Session(); otherwise until the spool is delivered.
  // The server's hello answer acknowledges events up to `holds` whose acks a broken stream
  // lost: hands them to the ack listener from the spool.
  void ReportAckedAtHello(Spool& spool, uint64_t holds);
  absl::Status RunStream(Spool& spool, std::chrono::system_clock::time_point deadline,
                         std::chrono::milliseconds hello_timeout, bool stay_open,
                         const PolicyHandler* on_policy, const std::function<void()>* on_connected);

  const config::AgentConfig config_;
  AckListener ack_listener_;
  std::chrono::system_clock::time_point next_renewal_attempt_{};
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AgentService::Stub> stub_;
  std::string agent_version_;

  std::mutex mu_;
  std::condition_variable cv_;  // cancelled, woken, a message read, the stream ended
  bool cancelled_ = false;
  bool woken_ = false;
  bool draining_ = false;
  std::chrono::steady_clock::time_point drain_deadline_{};
  uint64_t policy_version_ = 0;
  std::deque<v1::PolicyStatus> statuses_;
  grpc::ClientContext* active_ = nullptr;  // the call in progress, for Cancel()
};

}  // namespace candor::agent
