#include "agent/uplink.h"

#include <algorithm>
#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/enrollment.h"
#include "agent/log.h"
#include "config/read_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "proto/limits.h"

namespace candor::agent {
namespace {

using WallClock = std::chrono::system_clock;

// Certificates and keys are small; anything larger is not one.
constexpr size_t kMaxPemBytes = 256 * 1024;

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
  grpc::SslCredentialsOptions tls;
  absl::StatusOr<std::string> ca = config::ReadBoundedFile(config_.tls.ca, kMaxPemBytes, "tls.ca");
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert =
      config::ReadBoundedFile(config_.tls.cert, kMaxPemBytes, "tls.cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      config::ReadBoundedFile(config_.tls.key, kMaxPemBytes, "tls.key");
  if (!key.ok()) return key.status();
  tls.pem_root_certs = *ca;
  tls.pem_cert_chain = *cert;
  tls.pem_private_key = *key;

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
  channel_ = grpc::CreateCustomChannel(config_.server.ToString(), grpc::SslCredentials(tls), args);
  stub_ = v1::AgentService::NewStub(channel_);
  return absl::OkStatus();
}

void Uplink::RenewIfDue() {
  const WallClock::time_point now = WallClock::now();
  if (now < next_renewal_attempt_ || !NeedsRenewal(config_.tls.cert, now)) return;
  if (absl::Status s = Renew(config_, std::chrono::seconds(30)); !s.ok()) {
    Log(absl::StrCat("certificate renewal failed (", s.message(),
                     "); the current certificate stays in use, next attempt in an hour"));
    next_renewal_attempt_ = now + std::chrono::hours(1);
    return;
  }
  if (absl::Status s = OpenChannel(); !s.ok()) {
    Log(absl::StrCat("renewed certificate not usable: ", s.message()));
    return;
  }
  Log("certificate renewed");
}

absl::Status Uplink::Flush(Spool& spool, WallClock::time_point deadline, uint64_t policy_version) {
  RenewIfDue();
  absl::Status last = absl::OkStatus();
  auto backoff = std::chrono::milliseconds(200);
  while (true) {
    last = FlushOnce(spool, deadline, policy_version);
    if (last.ok() || !Retryable(last)) return last;
    if (WallClock::now() + backoff >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("server not reached before the timeout; last error: ", last.message()));
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (cancelled_cv_.wait_for(lock, backoff, [this] { return cancelled_; })) {
      return absl::CancelledError("delivery cancelled");
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

void Uplink::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->TryCancel();
  cancelled_cv_.notify_all();
}

absl::Status Uplink::FlushOnce(Spool& spool, WallClock::time_point deadline,
                               uint64_t policy_version) {
  grpc::ClientContext context;
  context.set_deadline(deadline);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return absl::CancelledError("delivery cancelled");
    active_ = &context;
  }
  struct Unregister {
    Uplink* uplink;
    ~Unregister() {
      std::lock_guard<std::mutex> lock(uplink->mu_);
      uplink->active_ = nullptr;
    }
  } unregister{this};
  auto stream = stub_->Connect(&context);

  v1::AgentMessage hello;
  hello.mutable_hello()->set_agent_version(agent_version_);
  hello.mutable_hello()->set_policy_version(policy_version);
  hello.mutable_hello()->set_last_acked_seq(spool.acked_seq());
  v1::ServerMessage reply;
  bool ok = stream->Write(hello) && stream->Read(&reply);
  absl::Status outcome = absl::OkStatus();
  if (ok && !reply.has_ack()) {
    outcome = absl::InternalError("the server did not answer the hello with an ack");
  } else if (ok) {
    absl::StatusOr<uint64_t> dropped = spool.ServerHolds(reply.ack().up_to_seq());
    if (!dropped.ok()) outcome = dropped.status();
  }

  // Up to kWindow batches in flight; acks come back in order.
  std::deque<uint64_t> in_flight;
  uint64_t sent = spool.acked_seq();
  while (ok && outcome.ok()) {
    while (in_flight.size() < kWindow) {
      std::vector<v1::Event> events = spool.Read(sent, v1::kMaxEventsPerBatch, v1::kMaxBatchBytes);
      if (events.empty()) break;
      v1::AgentMessage message;
      v1::EventBatch* batch = message.mutable_batch();
      batch->set_first_seq(events.front().seq());
      batch->set_last_seq(events.back().seq());
      for (v1::Event& event : events) *batch->add_events() = std::move(event);
      if (!stream->Write(message)) {
        ok = false;
        break;
      }
      sent = batch->last_seq();
      in_flight.push_back(sent);
    }
    if (!ok || in_flight.empty()) break;
    if (!stream->Read(&reply)) {
      ok = false;
      break;
    }
    if (!reply.has_ack() || reply.ack().up_to_seq() < in_flight.front()) {
      outcome =
          absl::InternalError(absl::StrCat("server acknowledged up to ", reply.ack().up_to_seq(),
                                           " for a batch ending at ", in_flight.front()));
      break;
    }
    if (absl::Status s = spool.Ack(reply.ack().up_to_seq()); !s.ok()) {
      outcome = s;
      break;
    }
    while (!in_flight.empty() && in_flight.front() <= reply.ack().up_to_seq()) {
      in_flight.pop_front();
    }
  }
  if (!outcome.ok()) context.TryCancel();
  if (ok && outcome.ok()) stream->WritesDone();
  const grpc::Status finish = stream->Finish();
  if (!outcome.ok()) return outcome;
  if (!finish.ok()) return FromGrpc(finish);
  return ok ? absl::OkStatus() : absl::UnavailableError("stream closed by the server");
}

}  // namespace candor::agent
