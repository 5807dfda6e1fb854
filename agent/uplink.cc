#include "agent/uplink.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/enrollment.h"
#include "agent/log.h"
#include "config/keys.h"
#include "config/read_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "proto/limits.h"

namespace candor::agent {
namespace {

using WallClock = std::chrono::system_clock;

// How often an idle long-lived stream checks whether the certificate is due for renewal.
constexpr std::chrono::hours kRenewalCheck{1};

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

bool Retryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsAborted(status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Uplink>> Uplink::Create(const config::AgentConfig& config,
                                                       std::string agent_version) {
  std::unique_ptr<Uplink> uplink(new Uplink(config, std::move(agent_version)));
  if (absl::Status s = uplink->OpenChannel(); !s.ok()) return s;
  return uplink;
}

Uplink::Uplink(config::AgentConfig config, std::string agent_version)
    : config_(std::move(config)), agent_version_(std::move(agent_version)) {}

absl::Status Uplink::OpenChannel() {
  if (absl::Status s = FinishPendingIdentity(config_.tls.key, config_.tls.cert); !s.ok()) return s;
  absl::StatusOr<grpc::SslCredentialsOptions> tls = ReadTlsFiles(config_.tls);
  if (!tls.ok()) return tls.status();

  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(static_cast<int>(v1::kMaxMessageBytes));
  // Retry the TCP/TLS connection quickly while --once waits; the server's address is fixed.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // Find a dead link (a laptop that moved networks, a NAT that forgot us) within a minute,
  // at a rate the server accepts (no too_many_pings).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, v1::kAgentKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, v1::kAgentKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  channel_ = grpc::CreateCustomChannel(config_.server.ToString(), grpc::SslCredentials(*tls), args);
  stub_ = v1::AgentService::NewStub(channel_);
  return absl::OkStatus();
}

void Uplink::RenewIfDue() {
  const WallClock::time_point now = WallClock::now();
  if (now < next_renewal_attempt_ || !NeedsRenewal(config_.tls.cert, now)) return;
  if (absl::Status s = Renew(config_, std::chrono::seconds(30)); !s.ok()) {
    LogWarning(absl::StrCat("certificate renewal failed (", s.message(),
                            "); the current certificate stays in use, next attempt in an hour"));
    next_renewal_attempt_ = now + std::chrono::hours(1);
    return;
  }
  if (absl::Status s = OpenChannel(); !s.ok()) {
    LogError(absl::StrCat("renewed certificate not usable: ", s.message()));
    return;
  }
  Log("certificate renewed");
}

absl::Status Uplink::Flush(Spool& spool, WallClock::time_point deadline) {
  RenewIfDue();
  absl::Status last = absl::OkStatus();
  auto backoff = std::chrono::milliseconds(200);
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - WallClock::now());
    last = RunStream(spool, deadline, std::max(left, std::chrono::milliseconds(1)), false, nullptr,
                     nullptr);
    if (last.ok() || !Retryable(last)) return last;
    if (WallClock::now() + backoff >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("server not reached before the timeout; last error: ", last.message()));
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, backoff, [this] { return cancelled_; })) {
      return absl::CancelledError("delivery cancelled");
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

absl::Status Uplink::Session(Spool& spool, std::chrono::milliseconds hello_timeout,
                             const PolicyHandler& on_policy,
                             const std::function<void()>& on_connected) {
  RenewIfDue();
  return RunStream(spool, WallClock::time_point::max(), hello_timeout, true, &on_policy,
                   &on_connected);
}

void Uplink::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void Uplink::SetPolicyVersion(uint64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_version_ = version;
}

void Uplink::SendPolicyStatus(v1::PolicyStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  statuses_.push_back(std::move(status));
  while (statuses_.size() > kMaxQueuedStatuses) statuses_.pop_front();
  cv_.notify_all();
}

void Uplink::Drain(std::chrono::steady_clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(mu_);
  draining_ = true;
  drain_deadline_ = deadline;
  woken_ = true;  // send what the spool holds now
  cv_.notify_all();
}

void Uplink::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->TryCancel();
  cv_.notify_all();
}

Uplink::~Uplink() = default;

void Uplink::ReportAckedAtHello(Spool& spool, uint64_t holds) {
  if (!ack_listener_ || holds <= spool.acked_seq()) return;
  std::vector<v1::Event> acked;
  uint64_t after = spool.acked_seq();
  while (after < holds) {
    std::vector<v1::Event> events = spool.Read(after, v1::kMaxEventsPerBatch, v1::kMaxBatchBytes);
    if (events.empty()) break;
    const uint64_t last = events.back().seq();
    for (v1::Event& event : events) {
      if (event.seq() > holds) break;
      acked.push_back(std::move(event));
    }
    if (last >= holds) break;
    after = last;
  }
  ack_listener_(std::move(acked), holds);
}

absl::Status Uplink::RunStream(Spool& spool, WallClock::time_point deadline,
                               std::chrono::milliseconds hello_timeout, bool stay_open,
                               const PolicyHandler* on_policy,
                               const std::function<void()>* on_connected) {
  grpc::ClientContext context;
  if (!stay_open) context.set_deadline(deadline);
  v1::AgentMessage hello;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return absl::CancelledError("delivery cancelled");
    active_ = &context;
    hello.mutable_hello()->set_policy_version(policy_version_);
  }
  struct Unregister {
    Uplink* uplink;
    ~Unregister() {
      std::lock_guard<std::mutex> lock(uplink->mu_);
      uplink->active_ = nullptr;
    }
  } unregister{this};
  hello.mutable_hello()->set_agent_version(agent_version_);
  hello.mutable_hello()->set_last_acked_seq(spool.acked_seq());
  auto stream = stub_->Connect(&context);
  if (!stream->Write(hello)) {
    const grpc::Status finish = stream->Finish();
    return finish.ok() ? absl::UnavailableError("stream closed by the server") : FromGrpc(finish);
  }

  // What the reading thread found; guarded by mu_.
  struct Inbound {
    std::optional<uint64_t> hello_answer;
    std::deque<uint64_t> acks;
    absl::Status error;
    bool ended = false;
  } in;
  std::thread reader([&] {
    v1::ServerMessage message;
    while (stream->Read(&message)) {
      if (message.has_policy_update()) {
        // --once leaves pushed policies to the service, which asks again when it connects.
        if (on_policy != nullptr)
          (*on_policy)(std::move(*message.mutable_policy_update()->mutable_policy()));
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (!message.has_ack()) {
        in.error = absl::InternalError("the server sent a message this agent does not know");
        break;
      }
      if (!in.hello_answer) {
        in.hello_answer = message.ack().up_to_seq();
      } else {
        in.acks.push_back(message.ack().up_to_seq());
      }
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu_);
    in.ended = true;
    cv_.notify_all();
  });

  absl::Status outcome = absl::OkStatus();
  bool delivered = false;  // --once: everything sent is acknowledged, nothing more to send
  std::unique_lock<std::mutex> lock(mu_);
  const bool answered = cv_.wait_for(lock, hello_timeout, [&] {
    return in.hello_answer.has_value() || in.ended || !in.error.ok() || cancelled_ || draining_;
  });
  if (!answered) {
    outcome = absl::DeadlineExceededError(
        absl::StrCat("the server did not answer the hello within ", hello_timeout.count(), " ms"));
  } else if (cancelled_ || (draining_ && !in.hello_answer)) {
    outcome = absl::CancelledError("delivery cancelled");
  } else if (!in.error.ok()) {
    outcome = in.error;
  } else if (in.hello_answer) {
    if (on_connected != nullptr) {
      lock.unlock();
      (*on_connected)();
      lock.lock();
    }
    const uint64_t holds = *in.hello_answer;
    lock.unlock();
    ReportAckedAtHello(spool, holds);
    absl::StatusOr<uint64_t> dropped = spool.ServerHolds(holds);
    if (!dropped.ok()) outcome = dropped.status();
    lock.lock();
  }

  // Up to kWindow batches in flight; acks come back in order.
  std::deque<uint64_t> in_flight;
  std::deque<std::vector<v1::Event>> in_flight_events;  // with an ack listener only
  uint64_t sent = spool.acked_seq();
  while (outcome.ok() && in.hello_answer) {
    if (cancelled_) {
      outcome = absl::CancelledError("delivery cancelled");
      break;
    }
    if (!in.error.ok()) {
      outcome = in.error;
      break;
    }
    while (!in.acks.empty() && outcome.ok()) {
      const uint64_t up_to = in.acks.front();
      in.acks.pop_front();
      if (in_flight.empty() || up_to < in_flight.front()) {
        outcome = absl::InternalError(absl::StrCat("server acknowledged up to ", up_to,
                                                   " for a batch ending at ",
                                                   in_flight.empty() ? 0 : in_flight.front()));
        break;
      }
      std::vector<v1::Event> acked;
      while (!in_flight.empty() && in_flight.front() <= up_to) {
        in_flight.pop_front();
        if (in_flight_events.empty()) continue;
        for (v1::Event& event : in_flight_events.front()) acked.push_back(std::move(event));
        in_flight_events.pop_front();
      }
      lock.unlock();
      if (ack_listener_) ack_listener_(std::move(acked), up_to);
      outcome = spool.Ack(up_to);
      lock.lock();
    }
    if (!outcome.ok() || in.ended) break;  // an ended stream: Finish says why

    woken_ = false;
    std::deque<v1::PolicyStatus> statuses;
    statuses.swap(statuses_);
    lock.unlock();
    bool written = true;
    for (v1::PolicyStatus& status : statuses) {
      v1::AgentMessage message;
      *message.mutable_policy_status() = std::move(status);
      if (!(written = stream->Write(message))) break;
    }
    while (written && in_flight.size() < kWindow) {
      std::vector<v1::Event> events = spool.Read(sent, v1::kMaxEventsPerBatch, v1::kMaxBatchBytes);
      if (events.empty()) break;
      v1::AgentMessage message;
      v1::EventBatch* batch = message.mutable_batch();
      batch->set_first_seq(events.front().seq());
      batch->set_last_seq(events.back().seq());
      for (v1::Event& event : events) *batch->add_events() = std::move(event);
      if (!(written = stream->Write(message))) break;
      sent = batch->last_seq();
      in_flight.push_back(sent);
      if (ack_listener_) {
        // Written already: the message gives its events up to be recorded at the ack.
        std::vector<v1::Event>& kept = in_flight_events.emplace_back();
        kept.reserve(static_cast<size_t>(batch->events_size()));
        for (v1::Event& event : *batch->mutable_events()) kept.push_back(std::move(event));
      }
    }
    lock.lock();
    if (!written) break;  // the stream broke: Finish says why
    if ((!stay_open || draining_) && in_flight.empty()) {
      delivered = true;
      break;
    }
    auto ready = [&] {
      return cancelled_ || woken_ || !statuses_.empty() || !in.acks.empty() || in.ended ||
             !in.error.ok();
    };
    if (!stay_open) {
      cv_.wait(lock, ready);
      continue;
    }
    if (draining_) {
      if (!cv_.wait_until(lock, drain_deadline_, ready)) {
        outcome = absl::DeadlineExceededError(
            absl::StrCat("stopping: ", in_flight.size(),
                         " batch(es) not acknowledged in time; they stay in the spool"));
        break;
      }
      continue;
    }
    // A long-lived stream is left now and then for a certificate renewal that fell due.
    if (!cv_.wait_for(lock, kRenewalCheck, ready)) {
      lock.unlock();
      const bool renew = NeedsRenewal(config_.tls.cert, WallClock::now());
      lock.lock();
      if (renew) {
        outcome = absl::AbortedError("reconnecting to renew the certificate");
        break;
      }
    }
  }
  // A stream the server ended keeps the server's status for Finish; one we leave (an
  // error, a cancel, a reader that stopped on a bad message) is cancelled, or Finish would
  // wait for a server still waiting for us.
  const bool server_ended = in.ended && in.error.ok();
  lock.unlock();

  if (delivered) {
    stream->WritesDone();
  } else if (!server_ended || !outcome.ok()) {
    context.TryCancel();
  }
  reader.join();
  const grpc::Status finish = stream->Finish();
  if (!outcome.ok()) return outcome;
  if (!in.error.ok()) return in.error;
  if (!finish.ok()) return FromGrpc(finish);
  return delivered ? absl::OkStatus() : absl::UnavailableError("stream closed by the server");
}

}  // namespace candor::agent
