#pragma once

// Agent: runs the policy's checks, puts each result in the spool, and delivers the spool
// to the server. Collaborators are passed in (wired in main.cc). Not thread-safe.

#include <chrono>
#include <vector>

#include "absl/status/status.h"
#include "agent/clock.h"
#include "agent/spool.h"
#include "agent/stop_flag.h"
#include "agent/uplink.h"
#include "collectors/host_view.h"
#include "collectors/registry.h"
#include "config/policy.h"

namespace candor::agent {

class Agent {
 public:
  // Every reference must outlive the agent.
  Agent(const config::Policy& policy, const collectors::CollectorRegistry& registry,
        const collectors::HostView& host, const Clock& clock, Spool& spool, Uplink& uplink,
        std::chrono::seconds delivery_timeout);

  // Runs the checks with the given indexes in the policy and spools their results durably.
  absl::Status RunChecks(const std::vector<size_t>& indexes);
  absl::Status RunAllChecks();

  // Delivers what the spool holds, waiting at most the delivery timeout.
  absl::Status Deliver();

  // Runs each check every `interval` (due times follow the wall clock) and delivers after
  // each round, until `stop` is set. Delivery failures are retried every 30 s.
  void RunUntilStopped(StopFlag& stop);

 private:
  const config::Policy& policy_;
  const collectors::CollectorRegistry& registry_;
  const collectors::HostView& host_;
  const Clock& clock_;
  Spool& spool_;
  Uplink& uplink_;
  const std::chrono::seconds delivery_timeout_;
};

}  // namespace candor::agent
