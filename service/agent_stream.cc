#include "service/agent_stream.h"

#include <iostream>
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

// One agent stream. Reads, stores and acks strictly one batch at a time, so there is never
// more than one read or write outstanding. Deletes itself in OnDone.
class AgentStream final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage> {
 public:
  AgentStream(Ingest& ingest, StreamTracker& tracker, grpc::CallbackServerContext* context)
      : ingest_(ingest), tracker_(tracker), peer_(context->peer()) {
    tracker_.Add();
    absl::StatusOr<DeviceIdentity> identity = IdentityFromAuthContext(*context->auth_context());
    if (!identity.ok()) {
      Log(absl::StrCat("refused stream from ", peer_, ": ", identity.status().message()));
      Finish(ToGrpc(identity.status()));
      return;
    }
    device_ = *identity;
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the agent closed its side, or the call was cancelled
      Finish(grpc::Status::OK);
      return;
    }
    switch (in_.body_case()) {
      case v1::AgentMessage::kHello:
        if (hello_seen_) return Reject("a second hello on one stream");
        hello_seen_ = true;
        Log(absl::StrCat("device ", device_->ToString(), " connected from ", peer_, " (agent ",
                         in_.hello().agent_version(), ")"));
        AnswerHello();
        return;
      case v1::AgentMessage::kBatch:
        if (!hello_seen_) return Reject("the first message must be a hello");
        HandleBatch();
        return;
      default:
        return Reject("unknown message");
    }
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "ack could not be sent"));
      return;
    }
    StartRead(&in_);
  }

  void OnDone() override {
    StreamTracker& tracker = tracker_;
    delete this;
    tracker.Remove();
  }

 private:
  void HandleBatch() {
    // Stores synchronously on this callback thread: the ack must follow the commit.
    absl::StatusOr<uint64_t> acked = ingest_.HandleBatch(*device_, in_.batch());
    if (absl::IsResourceExhausted(acked.status())) {
      // Expected under a flood; one line per refused stream would be a flood of its own.
      Finish(ToGrpc(acked.status()));
      return;
    }
    if (!acked.ok()) {
      Log(absl::StrCat("batch from ", device_->ToString(), " (", peer_,
                       ") not stored: ", acked.status().message()));
      Finish(ToGrpc(acked.status()));
      return;
    }
    out_.mutable_ack()->set_up_to_seq(*acked);
    StartWrite(&out_);
  }

  // Tells the agent the highest seq already stored for it, so it never reuses one.
  void AnswerHello() {
    absl::StatusOr<uint64_t> highest = ingest_.HighestSeq(*device_);
    if (!highest.ok()) {
      Log(absl::StrCat("hello from ", device_->ToString(), " (", peer_,
                       ") not answered: ", highest.status().message()));
      Finish(ToGrpc(highest.status()));
      return;
    }
    out_.mutable_ack()->set_up_to_seq(*highest);
    StartWrite(&out_);
  }

  void Reject(absl::string_view why) {
    Log(absl::StrCat("protocol error from ", device_->ToString(), " (", peer_, "): ", why));
    Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(why)));
  }

  Ingest& ingest_;
  StreamTracker& tracker_;
  const std::string peer_;
  std::optional<DeviceIdentity> device_;
  bool hello_seen_ = false;
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

grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* AgentServiceImpl::Connect(
    grpc::CallbackServerContext* context) {
  return new AgentStream(ingest_, tracker_, context);
}

}  // namespace candor::service
