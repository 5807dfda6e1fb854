#include "agent/windows/service_logic.h"

#include <cctype>

namespace candor::agent::windows {
namespace {

constexpr uint32_t kStopControls = kAcceptStop | kAcceptShutdown;

}  // namespace

ServiceStatusReport ServiceStatusMachine::Enter(uint32_t state, uint32_t controls,
                                                std::chrono::milliseconds hint) {
  current_ = ServiceStatusReport{.state = state,
                                 .controls_accepted = controls,
                                 .checkpoint = hint.count() > 0 ? 1u : 0u,
                                 .wait_hint = hint};
  return current_;
}

ServiceStatusReport ServiceStatusMachine::StartPending() {
  // Stop is not accepted until the agent runs: the SCM would otherwise send it before the
  // agent can hear it.
  return Enter(kServiceStartPending, 0, kStartWaitHint);
}

ServiceStatusReport ServiceStatusMachine::Running() {
  // A stop that arrived while starting has already moved the state on.
  if (stop_requested_) return current_;
  return Enter(kServiceRunning, kStopControls, std::chrono::milliseconds(0));
}

ControlOutcome ServiceStatusMachine::OnControl(uint32_t control) {
  ControlOutcome outcome;
  if (control == kControlInterrogate) {
    outcome.report = current_;
    return outcome;
  }
  if (control != kControlStop && control != kControlShutdown) {
    outcome.reply = kErrorCallNotImplemented;
    return outcome;
  }
  if (!stop_requested_ && current_.state != kServiceStopped) {
    stop_requested_ = true;
    Enter(kServiceStopPending, 0, kStopWaitHint);
    outcome.stop_reason = control == kControlStop
                              ? "the Service Control Manager asked the service to stop"
                              : "Windows is shutting down";
  }
  outcome.report = current_;
  return outcome;
}

ServiceStatusReport ServiceStatusMachine::StopPendingHeartbeat() {
  if (current_.state != kServiceStopPending) {
    Enter(kServiceStopPending, 0, kStopWaitHint);
  } else {
    ++current_.checkpoint;
  }
  return current_;
}

ServiceStatusReport ServiceStatusMachine::Stopped(int exit_code) {
  ServiceStatusReport report{.state = kServiceStopped};
  if (exit_code != 0 || !stop_requested_) {
    report.win32_exit_code = kErrorServiceSpecific;
    report.service_exit_code = exit_code != 0 ? static_cast<uint32_t>(exit_code) : 1u;
  }
  current_ = report;
  return current_;
}

WindowsPaths DefaultWindowsPaths(const std::string& program_data) {
  std::string root = program_data;
  while (!root.empty() && (root.back() == '\\' || root.back() == '/')) root.pop_back();
  WindowsPaths paths;
  paths.base_dir = root + "\\Candor";
  paths.config = paths.base_dir + "\\agent.yaml";
  paths.state_dir = paths.base_dir + "\\state";
  return paths;
}

bool IsAbsoluteWindowsPath(const std::string& path) {
  if (path.size() >= 3 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':' &&
      (path[2] == '\\' || path[2] == '/')) {
    return true;
  }
  return path.size() >= 3 && path[0] == '\\' && path[1] == '\\' && path[2] != '\\';
}

std::string QuoteWindowsArgument(const std::string& argument, bool always_quote) {
  if (!always_quote && !argument.empty() &&
      argument.find_first_of(" \t\n\v\"") == std::string::npos) {
    return argument;
  }
  std::string out = "\"";
  size_t backslashes = 0;
  for (char c : argument) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    // Backslashes are literal unless a quote follows them.
    out.append(c == '"' ? 2 * backslashes + 1 : backslashes, '\\');
    backslashes = 0;
    out.push_back(c);
  }
  out.append(2 * backslashes, '\\');  // before the closing quote
  out.push_back('"');
  return out;
}

InstallPlanOrError MakeInstallPlan(const std::string& executable, const std::string& config,
                                   const WindowsPaths& paths) {
  for (const auto& [what, path] :
       {std::pair<const char*, const std::string&>{"the agent's executable", executable},
        {"--config", config},
        {"ProgramData", paths.base_dir}}) {
    if (!IsAbsoluteWindowsPath(path)) {
      return {.error = std::string(what) + ": expected an absolute path like C:\\..., got \"" +
                       path + "\""};
    }
  }
  InstallPlan plan;
  plan.service_name = kServiceName;
  plan.display_name = kDisplayName;
  plan.description = kDescription;
  plan.command_line = QuoteWindowsArgument(executable, true) + " service run --config " +
                      QuoteWindowsArgument(config, true);
  plan.recovery = {
      {std::chrono::minutes(1)}, {std::chrono::minutes(1)}, {std::chrono::minutes(10)}};
  plan.reset_failures_after = std::chrono::hours(24);
  plan.directories = {{paths.base_dir, kStateDirSddl}, {paths.state_dir, kStateDirSddl}};
  return {.plan = std::move(plan)};
}

}  // namespace candor::agent::windows
