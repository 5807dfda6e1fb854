#pragma once

// The server side of AgentService.Connect, on gRPC's callback API so that an idle agent
// costs no thread. Each stream is one AgentStream reactor; StreamTracker counts the live
// ones so shutdown can wait until none touches the store any more.

#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "candor/v1/agent_service.grpc.pb.h"
#include "service/batch_writer.h"
#include "service/ingest.h"

namespace candor::service {

// Counts live streams. Thread-safe.
class StreamTracker {
 public:
  void Add();
  void Remove();
  size_t live() const;
  // Blocks until no stream is live.
  void WaitUntilIdle();

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t live_ = 0;
};

class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  // `ingest`, `writer` and `tracker` must outlive the gRPC server this service is
  // registered with.
  AgentServiceImpl(Ingest& ingest, BatchWriter& writer, StreamTracker& tracker)
      : ingest_(ingest), writer_(writer), tracker_(tracker) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  Ingest& ingest_;
  BatchWriter& writer_;
  StreamTracker& tracker_;
};

}  // namespace candor::service
