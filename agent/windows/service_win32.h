#pragma once

// Runs the agent under the Service Control Manager: StartServiceCtrlDispatcherW, a
// ServiceMain that reports the states ServiceStatusMachine decides, and a control handler
// that turns stop and shutdown into a stop request. Windows only.

#include <functional>
#include <string>

namespace candor::agent::windows {

// The agent, as the service sees it (main.cc builds it around RunAgent and a StopRequest,
// which need the agent's libraries; this file needs none of them).
struct ServiceBody {
  // Runs the agent until it is asked to stop; its exit code. On the service's own thread.
  std::function<int()> run;
  // Asks `run` to return soon, saying why. On the SCM's control thread; may come before
  // `run` has started or after it returned.
  std::function<void(const std::string& reason)> request_stop;
};

// Connects to the SCM and runs `body` as the CandorAgent service until it stops; returns
// the agent's exit code. When the process was not started by the SCM, returns 2 with
// `error` set and runs nothing.
int RunService(ServiceBody body, std::string* error);

}  // namespace candor::agent::windows
