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
#include "service/metrics.h"
#include "service/policy_distribution.h"

namespace candor::service {

// A stream that can be handed its tenant's policies (it sends the one for its device when
// it is newer than what the agent runs and what it already offered).
class PolicyReceiver {
 public:
  virtual ~PolicyReceiver() = default;
  virtual void OfferPolicies(std::shared_ptr<const TenantPolicies> policies) = 0;
};

// Counts live streams, and knows which device and tenant each belongs to so that a revoked
// device's streams can be closed and a pushed policy reaches a tenant's open streams.
// Thread-safe. Lock order: the tracker's lock, then a stream's; a stream never calls the
// tracker while holding its own lock.
class StreamTracker final : public PolicyFanOut {
 public:
  void Add();
  void Remove();
  size_t live() const;
  // Blocks until no stream is live.
  void WaitUntilIdle();

  // `context` (and `receiver`) is a stream of `device_id` in `tenant` until Unregister (at
  // the latest in OnDone).
  void Register(const DeviceIdentity& device, grpc::CallbackServerContext* context,
                PolicyReceiver* receiver);
  void Unregister(const DeviceIdentity& device, grpc::CallbackServerContext* context);
  // Cancels every open stream of `device_id`; how many there were.
  size_t CancelDevice(const std::string& device_id);

  size_t Offer(const std::string& tenant,
               const std::shared_ptr<const TenantPolicies>& policies) override;

 private:
  struct Entry {
    std::string tenant;
    PolicyReceiver* receiver;
  };
  mutable std::mutex mu_;
  std::condition_variable idle_;
  size_t live_ = 0;
  std::map<std::string, std::map<grpc::CallbackServerContext*, Entry>> by_device_;
};

// What a stream asks of the rest of the server.
struct StreamHooks {
  // At the hello: the device's group ("" for none), or why it may not go on
  // (kPermissionDenied for a revoked device). Records the contact.
  std::function<absl::StatusOr<std::string>(const DeviceIdentity&, const v1::Hello&)> admit;
  // The tenant's newest policies (PolicyDistribution::ForTenant).
  std::function<absl::StatusOr<std::shared_ptr<const TenantPolicies>>(const std::string& tenant)>
      policies;
  // The agent's answer to a policy it was offered.
  std::function<void(const DeviceIdentity&, const v1::PolicyStatus&)> policy_status;
};

class AgentServiceImpl final : public v1::AgentService::CallbackService {
 public:
  // `ingest`, `writer`, `tracker` and `metrics` must outlive the gRPC server this service
  // is registered with. The hooks count their own refusals (revoked, ...) in `metrics`.
  AgentServiceImpl(Ingest& ingest, BatchWriter& writer, StreamTracker& tracker,
                   ServerMetrics& metrics, StreamHooks hooks)
      : ingest_(ingest),
        writer_(writer),
        tracker_(tracker),
        metrics_(metrics),
        hooks_(std::move(hooks)) {}

  grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* Connect(
      grpc::CallbackServerContext* context) override;

 private:
  Ingest& ingest_;
  BatchWriter& writer_;
  StreamTracker& tracker_;
  ServerMetrics& metrics_;
  StreamHooks hooks_;
};

}  // namespace candor::service
