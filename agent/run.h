#pragma once

#include "config/agent_config.h"

namespace candor::agent {

class StopRequest;  // agent/stop_request.h

// Runs the agent with `config`: the one place its parts are built and wired together.
// once: run every check once, deliver, wait for the acks; exit code 0, or 1 with the
// reason on standard error. Otherwise: run on schedule until SIGTERM or SIGINT, reload the
// policy on SIGHUP or when its file changes; exit code 0. `stop`, when given, stops the
// agent the way SIGTERM does (the Windows service's stop and shutdown controls).
int RunAgent(const config::AgentConfig& config, bool once, StopRequest* stop = nullptr);

}  // namespace candor::agent
