#include "service/agent_stream.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "service/identity.h"
#include "service/log.h"
#include "service/storage/event_store.h"

namespace candor::service {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// One agent stream. Batches are handed to the BatchWriter as they arrive, up to kWindow
// ahead of their acks, so the next batch is read and parsed while the previous one
// commits; acks go back in order, each only after its commit. After the hello, and
// whenever an admin pushes one, the device's newest policy goes out if the agent does not
// run it yet. Deletes itself once gRPC is done with it (OnDone) and no stored-callback is
// outstanding.
class AgentStream final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>,
                          public PolicyReceiver {
 public:
  static constexpr int kWindow = 8;
  using Clock = std::chrono::steady_clock;

  AgentStream(Ingest& ingest, BatchWriter& writer, StreamTracker& tracker, ServerMetrics& metrics,
              const StreamHooks& hooks, grpc::CallbackServerContext* context)
      : ingest_(ingest),
        writer_(writer),
        tracker_(tracker),
        metrics_(metrics),
        hooks_(hooks),
        context_(context),
        peer_(context->peer()) {
    tracker_.Add();
    absl::StatusOr<DeviceIdentity> identity = IdentityFromAuthContext(*context->auth_context());
    if (!identity.ok()) {
      LogWarning(absl::StrCat("refused stream from ", peer_, ": ", identity.status().message()));
      metrics_.Rejected(Rejection::kAgentUnauthenticated);
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(ToGrpc(identity.status()));
      return;
    }
    // Set before the stream is registered and never changed: read without the lock.
    device_ = *identity;
    // Registered before the hello is checked, so a revocation between the two still
    // closes this stream; outside mu_ (lock order: tracker, then stream).
    tracker_.Register(*device_, context_, this);
    std::lock_guard<std::mutex> lock(mu_);
    StartReadLocked();
  }

  // From an admin's push, on its thread (the tracker's lock held).
  void OfferPolicies(std::shared_ptr<const TenantPolicies> policies) override {
    std::lock_guard<std::mutex> lock(mu_);
    policies_ = std::move(policies);
    SendPolicyIfNewer();
  }

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
    if (finished_) return;
    if (!ok) {  // the agent closed its side, or the call was cancelled
      read_closed_ = true;
      FinishIfDrained();
      return;
    }
    switch (in_->body_case()) {
      case v1::AgentMessage::kHello:
        return OnHello();
      case v1::AgentMessage::kBatch:
        if (!hello_seen_) return Reject("the first message must be a hello");
        {
          // The batch's latency runs from here to its commit.
          const Clock::time_point arrived = Clock::now();
          const int events = in_->batch().events_size();
          metrics_.EventsReceived(events);
          // Validation and the rate limit here, on this stream's thread; the writer only
          // commits.
          // The batch stays on the arena it was read into, which goes with it to the
          // writer; the next read gets a new one.
          v1::EventBatch* batch = in_->mutable_batch();
          in_ = nullptr;
          absl::StatusOr<PreparedBatch> prepared =
              ingest_.Prepare(*device_, std::move(read_arena_), batch);
          if (!prepared.ok()) {
            metrics_.Rejected(absl::IsResourceExhausted(prepared.status())
                                  ? Rejection::kAgentRateLimited
                                  : Rejection::kAgentInvalidBatch);
            Refused(prepared.status());
            return;
          }
          ++in_flight_;
          writer_.Submit(*device_, std::move(*prepared),
                         [this, arrived, events](absl::StatusOr<uint64_t> acked) {
                           if (acked.ok()) {
                             metrics_.BatchStored(
                                 events, std::chrono::duration_cast<std::chrono::microseconds>(
                                             Clock::now() - arrived));
                           }
                           OnStored(std::move(acked));
                         });
        }
        if (in_flight_ < kWindow) StartReadLocked();
        return;
      case v1::AgentMessage::kPolicyStatus: {
        if (!hello_seen_) return Reject("the first message must be a hello");
        const v1::PolicyStatus& status = in_->policy_status();
        if (status.applied()) {
          agent_policy_ = status.in_force();
          Log(absl::StrCat("device ", device_->ToString(), " applied policy version ",
                           status.version()));
        } else {
          LogWarning(absl::StrCat("device ", device_->ToString(), " refused policy version ",
                                  status.version(), ": ", status.errors().substr(0, 500)));
        }
        hooks_.policy_status(*device_, status);
        StartReadLocked();
        return;
      }
      default:
        return Reject("unknown message");
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (deferred_finish_) {
      Finish(*deferred_finish_);
      return;
    }
    if (finished_) return;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "ack could not be sent"));
      return;
    }
    if (!out_queue_.empty()) {
      WriteNext();
      return;
    }
    FinishIfDrained();
  }

  void OnDone() override {
    // Outside mu_: lock order is tracker, then stream. device_ never changes after the
    // constructor.
    if (device_) tracker_.Unregister(*device_, context_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      if (admitted_) metrics_.AgentDisconnected();
      if (in_flight_ > 0) return;  // the last OnStored deletes this
    }
    Destroy();
  }

 private:
  void OnHello() {
    if (hello_seen_) return Reject("a second hello on one stream");
    hello_seen_ = true;
    absl::StatusOr<std::string> group = hooks_.admit(*device_, in_->hello());
    if (!group.ok()) {
      LogWarning(absl::StrCat("refused device ", device_->ToString(), " from ", peer_, ": ",
                              group.status().message()));
      FinishLocked(ToGrpc(group.status()));
      return;
    }
    group_ = *group;
    admitted_ = true;
    metrics_.AgentConnected();
    agent_policy_ = in_->hello().policy_version();
    Log(absl::StrCat("device ", device_->ToString(), " connected from ", peer_, " (agent ",
                     in_->hello().agent_version(), ", policy version ", agent_policy_, ")"));
    // Tell the agent the highest seq already stored for it, so it never reuses one.
    absl::StatusOr<uint64_t> highest = ingest_.HighestSeq(*device_);
    if (!highest.ok()) {
      metrics_.StorageError(StorageOp::kHighestSeq);
      Log(absl::StrCat("hello from ", device_->ToString(), " (", peer_,
                       ") not answered: ", highest.status().message()));
      FinishLocked(ToGrpc(highest.status()));
      return;
    }
    QueueAck(*highest);
    // A push since the stream was registered already set policies_; otherwise look.
    if (policies_ == nullptr) {
      absl::StatusOr<std::shared_ptr<const TenantPolicies>> policies =
          hooks_.policies(device_->tenant);
      if (policies.ok()) {
        policies_ = *policies;
      } else {
        Log(absl::StrCat("policies of tenant ", device_->tenant,
                         " not readable: ", policies.status().message()));
      }
    }
    SendPolicyIfNewer();
    StartReadLocked();
  }

  // Sends this device's policy when the agent runs an older one and it was not sent yet.
  void SendPolicyIfNewer() {
    if (!hello_seen_ || finished_ || policies_ == nullptr) return;
    std::shared_ptr<const OfferedPolicy> policy = policies_->For(group_);
    if (policy == nullptr || policy->version <= std::max(agent_policy_, offered_policy_)) return;
    offered_policy_ = policy->version;
    v1::ServerMessage message;
    *message.mutable_policy_update()->mutable_policy() = policy->policy;
    Queue(std::move(message));
  }

  // On the writer thread, once the batch is committed (or refused).
  void OnStored(absl::StatusOr<uint64_t> acked) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
      if (!done_) {
        Stored(std::move(acked));
        return;
      }
      if (in_flight_ > 0) return;
    }
    Destroy();
  }

  void Refused(const absl::Status& status) {
    // A flood (kResourceExhausted) is expected; one line per refusal would be a flood too.
    if (!absl::IsResourceExhausted(status)) {
      LogWarning(absl::StrCat("batch from ", device_->ToString(), " (", peer_,
                              ") not stored: ", status.message()));
    }
    FinishLocked(ToGrpc(status));
  }

  void Stored(absl::StatusOr<uint64_t> acked) {
    if (finished_) return;
    if (!acked.ok()) {
      Refused(acked.status());
      return;
    }
    QueueAck(*acked);
    if (!reading_ && !read_closed_ && in_flight_ < kWindow) StartReadLocked();
  }

  void StartReadLocked() {
    reading_ = true;
    // A message on an arena: parsing a batch's events, their facts and strings into it is
    // a few block allocations instead of hundreds (PreparedBatch).
    if (read_arena_ == nullptr) {
      read_arena_ = NewBatchArena();
    } else {
      read_arena_->Reset();  // what the last read held (a hello, a policy status) is done
    }
    in_ = google::protobuf::Arena::CreateMessage<v1::AgentMessage>(read_arena_.get());
    StartRead(in_);
  }

  void QueueAck(uint64_t seq) {
    v1::ServerMessage message;
    message.mutable_ack()->set_up_to_seq(seq);
    Queue(std::move(message));
  }

  void Queue(v1::ServerMessage message) {
    out_queue_.push_back(std::move(message));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    out_ = std::move(out_queue_.front());
    out_queue_.pop_front();
    writing_ = true;
    StartWrite(&out_);
  }

  // The agent is done sending and every batch is stored and acknowledged.
  void FinishIfDrained() {
    if (read_closed_ && in_flight_ == 0 && out_queue_.empty() && !writing_) {
      FinishLocked(grpc::Status::OK);
    }
  }

  // Finishes once; after a message in flight when there is one.
  void FinishLocked(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    if (writing_) {
      deferred_finish_ = std::move(status);
      return;
    }
    Finish(std::move(status));
  }

  void Reject(absl::string_view why) {
    LogWarning(absl::StrCat("protocol error from ", device_->ToString(), " (", peer_, "): ", why));
    metrics_.Rejected(Rejection::kAgentProtocolError);
    FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(why)));
  }

  void Destroy() {
    StreamTracker& tracker = tracker_;
    delete this;
    tracker.Remove();
  }

  Ingest& ingest_;
  BatchWriter& writer_;
  StreamTracker& tracker_;
  ServerMetrics& metrics_;
  const StreamHooks& hooks_;
  grpc::CallbackServerContext* const context_;
  const std::string peer_;
  std::optional<DeviceIdentity> device_;
  std::mutex mu_;
  std::string group_;
  bool hello_seen_ = false;
  bool admitted_ = false;  // past the hello: counted in connected_agents
  bool reading_ = false;
  bool read_closed_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool done_ = false;
  int in_flight_ = 0;  // batches with the writer
  std::optional<grpc::Status> deferred_finish_;
  std::deque<v1::ServerMessage> out_queue_;
  std::shared_ptr<const TenantPolicies> policies_;
  uint64_t agent_policy_ = 0;    // the version the agent says it runs
  uint64_t offered_policy_ = 0;  // the newest version sent on this stream
  std::unique_ptr<google::protobuf::Arena> read_arena_;
  v1::AgentMessage* in_ = nullptr;  // on read_arena_
  v1::ServerMessage out_;
};

}  // namespace

void StreamTracker::Add() {
  std::lock_guard<std::mutex> lock(mu_);
  ++live_;
}

void StreamTracker::Remove() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--live_ == 0) idle_.notify_all();
}

size_t StreamTracker::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_;
}

void StreamTracker::WaitUntilIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return live_ == 0; });
}

void StreamTracker::Register(const DeviceIdentity& device, grpc::CallbackServerContext* context,
                             PolicyReceiver* receiver) {
  std::lock_guard<std::mutex> lock(mu_);
  by_device_[device.device_id][context] = Entry{device.tenant, receiver};
}

void StreamTracker::Unregister(const DeviceIdentity& device, grpc::CallbackServerContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_device_.find(device.device_id);
  if (it == by_device_.end()) return;
  it->second.erase(context);
  if (it->second.empty()) by_device_.erase(it);
}

std::vector<std::string> StreamTracker::OpenDevices() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> devices;
  for (const auto& [device_id, streams] : by_device_) {
    if (!streams.empty()) devices.push_back(device_id);
  }
  return devices;
}

size_t StreamTracker::CancelDevice(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_device_.find(device_id);
  if (it == by_device_.end()) return 0;
  // Each context stays valid until its stream's OnDone unregisters it, which needs mu_.
  for (const auto& [context, entry] : it->second) context->TryCancel();
  return it->second.size();
}

size_t StreamTracker::Offer(const std::string& tenant,
                            const std::shared_ptr<const TenantPolicies>& policies) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t offered = 0;
  // Each receiver stays alive until its stream's OnDone unregisters it, which needs mu_.
  for (const auto& [device_id, streams] : by_device_) {
    for (const auto& [context, entry] : streams) {
      if (entry.tenant != tenant) continue;
      entry.receiver->OfferPolicies(policies);
      ++offered;
    }
  }
  return offered;
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* AgentServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  return new AgentStream(ingest_, writer_, tracker_, metrics_, hooks_, context);
}

}  // namespace candor::service
