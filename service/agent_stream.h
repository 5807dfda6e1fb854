#pragma once

// The server side of AgentService.Connect, on gRPC's callback API so that an idle agent
// costs no thread. Each stream is one AgentStream reactor; StreamTracker counts the live
// ones so shutdown can wait until none touches the store any more.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "candor/v1/agent_service.grpc.pb.h"
#include "service/batch_writer.h"
#include "service/ingest.h"

namespace candor::service {

// Counts live streams, and knows which device each belongs to so that a revoked device's
// streams can be closed. Thread-safe.
class StreamTracker {
 public:
  void Add();
  void Remove();
  size_t live() const;
  // Blocks until no stream is live.
  void WaitUntilIdle();

  // `context` is the stream of `device_id` until Unregister (at the latest in OnDone).
  void Register(const std::string& device_id, grpc::CallbackServerContext* context);
  void Unregister(const std::string& device_id, grpc::CallbackServerContext* context);
  // Cancels every open stream of `device_id`; how many there were.
  size_t CancelDevice(const std::string& device_id);

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t live_ = 0;
  std::map<std::string, std::set<grpc::CallbackServerContext*>> by_device_;
};

// Decides, at a stream's hello, whether the device may go on (kPermissionDenied for a
// revoked one) and records its contact.
using DeviceGate = std::function<absl::Status(const DeviceIdentity&, const v1::Hello&)>;

class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  // `ingest`, `writer` and `tracker` must outlive the gRPC server this service is
  // registered with.
  AgentServiceImpl(Ingest& ingest, BatchWriter& writer, StreamTracker& tracker, DeviceGate gate)
      : ingest_(ingest), writer_(writer), tracker_(tracker), gate_(std::move(gate)) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  Ingest& ingest_;
  BatchWriter& writer_;
  StreamTracker& tracker_;
  DeviceGate gate_;
};

}  // namespace candor::service
