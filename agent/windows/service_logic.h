#pragma once

// The Windows service's decisions, as plain C++ so they are unit-tested on Linux
// (tests/agent/windows/service_logic_test.cc): which SERVICE_STATUS to report while the agent
// starts, runs and stops, how the Service Control Manager's controls map to a stop request,
// and what `candor-agent service install` registers (names, command line, start type,
// recovery actions, the directories' security descriptors). The Win32 adapters
// (service_win32.cc, scm_win32.cc, secure_dir_win32.cc) only carry these out; they
// static_assert that the numbers below equal winsvc.h's.
//
// Standard library only, like collectors/windows/: the same file builds with mingw-w64.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace candor::agent::windows {

inline constexpr char kServiceName[] = "CandorAgent";
inline constexpr char kDisplayName[] = "Candor posture agent";
inline constexpr char kDescription[] =
    "Checks this device's security settings (disk encryption, firewall, updates, accounts) "
    "against the company's policy and reports the results to the Candor server. It never "
    "collects what you type, see or browse. Run \"candor-agent explain\" to read the policy.";

// Protected DACL (nothing inherited from ProgramData, whose DACL lets Users read and
// create), full control for LocalSystem and the Administrators group, inherited by every
// file and folder inside (OICI); no other entry, so no other account can list, read or
// write. Used for %ProgramData%\Candor and for the agent's state_dir.
inline constexpr char kStateDirSddl[] = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

// The values winsvc.h and winerror.h give these names (checked in service_win32.cc).
inline constexpr uint32_t kServiceStopped = 1;
inline constexpr uint32_t kServiceStartPending = 2;
inline constexpr uint32_t kServiceStopPending = 3;
inline constexpr uint32_t kServiceRunning = 4;
inline constexpr uint32_t kAcceptStop = 0x1;
inline constexpr uint32_t kAcceptShutdown = 0x4;
inline constexpr uint32_t kControlStop = 1;
inline constexpr uint32_t kControlInterrogate = 4;
inline constexpr uint32_t kControlShutdown = 5;
inline constexpr uint32_t kNoError = 0;
inline constexpr uint32_t kErrorCallNotImplemented = 120;
inline constexpr uint32_t kErrorServiceSpecific = 1066;

// The fields of SERVICE_STATUS the service decides (the type is always
// SERVICE_WIN32_OWN_PROCESS).
struct ServiceStatusReport {
  uint32_t state = kServiceStopped;
  uint32_t controls_accepted = 0;
  uint32_t win32_exit_code = kNoError;
  uint32_t service_exit_code = 0;
  uint32_t checkpoint = 0;
  std::chrono::milliseconds wait_hint{0};

  bool operator==(const ServiceStatusReport&) const = default;
};

// What to do with one control from the SCM (the handler's return value and actions).
struct ControlOutcome {
  uint32_t reply = kNoError;                  // what the handler returns
  std::optional<ServiceStatusReport> report;  // to pass to SetServiceStatus now
  std::optional<std::string> stop_reason;     // set: ask the agent to stop, saying this
};

// The service's states: start pending -> running -> stop pending -> stopped. Checkpoints
// grow within each pending state so the SCM sees progress. Not thread-safe: the adapter
// calls it under its own lock from the service thread and the control handler's thread.
class ServiceStatusMachine {
 public:
  // How long the SCM should wait for the next report while starting or stopping. Stopping
  // writes the last events to the spool and leaves without waiting for hung collectors.
  static constexpr std::chrono::milliseconds kStartWaitHint{30000};
  static constexpr std::chrono::milliseconds kStopWaitHint{10000};
  // How often the adapter repeats the stop-pending report (well inside the wait hint).
  static constexpr std::chrono::milliseconds kStopHeartbeat{2000};

  ServiceStatusReport StartPending();
  ServiceStatusReport Running();
  // SERVICE_CONTROL_STOP and SERVICE_CONTROL_SHUTDOWN both stop the agent, once; a later
  // stop or shutdown only repeats the current report. Interrogate repeats it; anything
  // else is not implemented.
  ControlOutcome OnControl(uint32_t control);
  // Repeated while the agent stops: the same state with the next checkpoint.
  ServiceStatusReport StopPendingHeartbeat();
  // The agent returned `exit_code`. A nonzero code, or any return nobody asked for, is a
  // failure (ERROR_SERVICE_SPECIFIC_ERROR with the code, 1 when it was 0), which makes the
  // SCM run the recovery actions.
  ServiceStatusReport Stopped(int exit_code);

  const ServiceStatusReport& current() const { return current_; }
  bool stop_requested() const { return stop_requested_; }

 private:
  ServiceStatusReport Enter(uint32_t state, uint32_t controls, std::chrono::milliseconds hint);

  ServiceStatusReport current_;
  bool stop_requested_ = false;
};

// %ProgramData%\Candor and what lives in it by default.
struct WindowsPaths {
  std::string base_dir;   // C:\ProgramData\Candor
  std::string config;     // C:\ProgramData\Candor\agent.yaml
  std::string state_dir;  // C:\ProgramData\Candor\state
};
// `program_data`: the ProgramData known folder, e.g. "C:\ProgramData" (a trailing
// backslash is ignored).
WindowsPaths DefaultWindowsPaths(const std::string& program_data);

// "C:\..." or "\\server\share\..." (the service runs in System32, so nothing relative).
bool IsAbsoluteWindowsPath(const std::string& path);

// One argument as CommandLineToArgvW and the C runtime read it back: unchanged when it has
// no space, tab or quote (and `always_quote` is false), otherwise in quotes with
// backslashes doubled before a quote and at the end.
std::string QuoteWindowsArgument(const std::string& argument, bool always_quote);

struct RecoveryAction {
  std::chrono::seconds restart_after;

  bool operator==(const RecoveryAction&) const = default;
};

struct DirectoryToSecure {
  std::string path;
  std::string sddl;
};

// Everything `service install` registers. The service runs as LocalSystem.
struct InstallPlan {
  std::string service_name;
  std::string display_name;
  std::string description;
  // lpBinaryPathName: the quoted executable, "service run --config" and the quoted config.
  std::string command_line;
  // SERVICE_AUTO_START with the delayed flag: the agent starts a little after boot, when
  // the machine is less busy; posture is not needed to log in.
  bool delayed_auto_start = true;
  // Restart after 1 minute, 1 minute, then 10 minutes for every later failure...
  std::vector<RecoveryAction> recovery;
  // ...counting failures afresh after a day without one.
  std::chrono::seconds reset_failures_after{0};
  // SERVICE_CONFIG_FAILURE_ACTIONS_FLAG: also recover when the agent stops with an error
  // code (a config it cannot load, a state_dir it refuses), not only when it crashes.
  bool recover_on_error_exit = true;
  std::vector<DirectoryToSecure> directories;
};

struct InstallPlanOrError {
  std::optional<InstallPlan> plan;
  std::string error;  // set when plan is not
};

// `executable`: the agent's own full path; `config`: the config the service will load;
// `paths`: the defaults, whose base_dir is created and restricted.
InstallPlanOrError MakeInstallPlan(const std::string& executable, const std::string& config,
                                   const WindowsPaths& paths);

}  // namespace candor::agent::windows
