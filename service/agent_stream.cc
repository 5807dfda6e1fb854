#include "service/agent_stream.h"

#include <deque>
#include <iostream>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "service/identity.h"
#include "service/log.h"

namespace candor::service {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

// One agent stream. Batches are handed to the BatchWriter as they arrive, up to kWindow
// ahead of their acks, so the next batch is read and parsed while the previous one
// commits; acks go back in order, each only after its commit. Deletes itself once gRPC is
// done with it (OnDone) and no stored-callback is outstanding.
class AgentStream final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage> {
 public:
  static constexpr int kWindow = 8;

  AgentStream(Ingest& ingest, BatchWriter& writer, StreamTracker& tracker, const DeviceGate& gate,
              grpc::CallbackServerContext* context)
      : ingest_(ingest),
        writer_(writer),
        tracker_(tracker),
        gate_(gate),
        context_(context),
        peer_(context->peer()) {
    tracker_.Add();
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<DeviceIdentity> identity = IdentityFromAuthContext(*context->auth_context());
    if (!identity.ok()) {
      Log(absl::StrCat("refused stream from ", peer_, ": ", identity.status().message()));
      FinishLocked(ToGrpc(identity.status()));
      return;
    }
    device_ = *identity;
    // Registered before the hello is checked, so a revocation between the two still
    // closes this stream.
    tracker_.Register(device_->device_id, context_);
    StartReadLocked();
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
    switch (in_.body_case()) {
      case v1::AgentMessage::kHello: {
        if (hello_seen_) return Reject("a second hello on one stream");
        hello_seen_ = true;
        if (absl::Status allowed = gate_(*device_, in_.hello()); !allowed.ok()) {
          Log(absl::StrCat("refused device ", device_->ToString(), " from ", peer_, ": ",
                           allowed.message()));
          FinishLocked(ToGrpc(allowed));
          return;
        }
        Log(absl::StrCat("device ", device_->ToString(), " connected from ", peer_, " (agent ",
                         in_.hello().agent_version(), ")"));
        // Tell the agent the highest seq already stored for it, so it never reuses one.
        absl::StatusOr<uint64_t> highest = ingest_.HighestSeq(*device_);
        if (!highest.ok()) {
          Log(absl::StrCat("hello from ", device_->ToString(), " (", peer_,
                           ") not answered: ", highest.status().message()));
          FinishLocked(ToGrpc(highest.status()));
          return;
        }
        QueueAck(*highest);
        StartReadLocked();
        return;
      }
      case v1::AgentMessage::kBatch:
        if (!hello_seen_) return Reject("the first message must be a hello");
        {
          // Validation and the rate limit here, on this stream's thread; the writer only
          // commits.
          absl::StatusOr<PreparedBatch> prepared =
              ingest_.Prepare(*device_, std::move(*in_.mutable_batch()));
          if (!prepared.ok()) {
            Refused(prepared.status());
            return;
          }
          ++in_flight_;
          writer_.Submit(*device_, std::move(*prepared),
                         [this](absl::StatusOr<uint64_t> acked) { OnStored(std::move(acked)); });
        }
        if (in_flight_ < kWindow) StartReadLocked();
        return;
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
    if (!acks_.empty()) {
      WriteNextAck();
      return;
    }
    FinishIfDrained();
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (device_) tracker_.Unregister(device_->device_id, context_);
      done_ = true;
      if (in_flight_ > 0) return;  // the last OnStored deletes this
    }
    Destroy();
  }

 private:
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
      Log(absl::StrCat("batch from ", device_->ToString(), " (", peer_,
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
    StartRead(&in_);
  }

  void QueueAck(uint64_t seq) {
    acks_.push_back(seq);
    if (!writing_) WriteNextAck();
  }

  void WriteNextAck() {
    out_.mutable_ack()->set_up_to_seq(acks_.front());
    acks_.pop_front();
    writing_ = true;
    StartWrite(&out_);
  }

  // The agent is done sending and every batch is stored and acknowledged.
  void FinishIfDrained() {
    if (read_closed_ && in_flight_ == 0 && acks_.empty() && !writing_) {
      FinishLocked(grpc::Status::OK);
    }
  }

  // Finishes once; after an ack in flight when there is one.
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
    Log(absl::StrCat("protocol error from ", device_->ToString(), " (", peer_, "): ", why));
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
  const DeviceGate& gate_;
  grpc::CallbackServerContext* const context_;
  const std::string peer_;
  std::mutex mu_;
  std::optional<DeviceIdentity> device_;
  bool hello_seen_ = false;
  bool reading_ = false;
  bool read_closed_ = false;
  bool writing_ = false;
  bool finished_ = false;
  bool done_ = false;
  int in_flight_ = 0;  // batches with the writer
  std::optional<grpc::Status> deferred_finish_;
  std::deque<uint64_t> acks_;
  v1::AgentMessage in_;
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

void StreamTracker::Register(const std::string& device_id, grpc::CallbackServerContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  by_device_[device_id].insert(context);
}

void StreamTracker::Unregister(const std::string& device_id, grpc::CallbackServerContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_device_.find(device_id);
  if (it == by_device_.end()) return;
  it->second.erase(context);
  if (it->second.empty()) by_device_.erase(it);
}

size_t StreamTracker::CancelDevice(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_device_.find(device_id);
  if (it == by_device_.end()) return 0;
  // Each context stays valid until its stream's OnDone unregisters it, which needs mu_.
  for (grpc::CallbackServerContext* context : it->second) context->TryCancel();
  return it->second.size();
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* AgentServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  return new AgentStream(ingest_, writer_, tracker_, gate_, context);
}

}  // namespace candor::service
