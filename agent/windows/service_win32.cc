#include "agent/windows/service_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <winsvc.h>
// clang-format on

#include "agent/windows/service_logic.h"
#include "agent/windows/win32_error_win32.h"
#include "collectors/windows/utf16_win32.h"

namespace candor::agent::windows {

// service_logic.h spells these out so that it builds, and is tested, without windows.h.
static_assert(kServiceStopped == SERVICE_STOPPED);
static_assert(kServiceStartPending == SERVICE_START_PENDING);
static_assert(kServiceStopPending == SERVICE_STOP_PENDING);
static_assert(kServiceRunning == SERVICE_RUNNING);
static_assert(kAcceptStop == SERVICE_ACCEPT_STOP);
static_assert(kAcceptShutdown == SERVICE_ACCEPT_SHUTDOWN);
static_assert(kControlStop == SERVICE_CONTROL_STOP);
static_assert(kControlInterrogate == SERVICE_CONTROL_INTERROGATE);
static_assert(kControlShutdown == SERVICE_CONTROL_SHUTDOWN);
static_assert(kNoError == NO_ERROR);
static_assert(kErrorCallNotImplemented == ERROR_CALL_NOT_IMPLEMENTED);
static_assert(kErrorServiceSpecific == ERROR_SERVICE_SPECIFIC_ERROR);

namespace {

// Shared by ServiceMain (the service thread) and the control handler (the dispatcher's
// thread); `lock` guards `machine` and keeps SetServiceStatus calls in the machine's order.
struct ServiceContext {
  ServiceBody body;
  SRWLOCK lock = SRWLOCK_INIT;
  ServiceStatusMachine machine;
  SERVICE_STATUS_HANDLE handle = nullptr;
  int exit_code = 0;
};

// ServiceMain gets no context argument from the dispatcher, so RunService leaves its
// context here for the dispatcher's duration (one service per process).
ServiceContext* running_service = nullptr;

class Locked {
 public:
  explicit Locked(ServiceContext& context) : lock_(&context.lock) {
    AcquireSRWLockExclusive(lock_);
  }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
  ~Locked() { ReleaseSRWLockExclusive(lock_); }

 private:
  SRWLOCK* lock_;
};

// Callers hold the context's lock.
void Report(const ServiceContext& context, const ServiceStatusReport& report) {
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = report.state;
  status.dwControlsAccepted = report.controls_accepted;
  status.dwWin32ExitCode = report.win32_exit_code;
  status.dwServiceSpecificExitCode = report.service_exit_code;
  status.dwCheckPoint = report.checkpoint;
  status.dwWaitHint = static_cast<DWORD>(report.wait_hint.count());
  SetServiceStatus(context.handle, &status);
}

DWORD WINAPI Control(DWORD control, DWORD /*event_type*/, LPVOID /*event_data*/,
                     LPVOID raw_context) {
  ServiceContext& context = *static_cast<ServiceContext*>(raw_context);
  ControlOutcome outcome;
  {
    Locked locked(context);
    outcome = context.machine.OnControl(control);
    if (outcome.report.has_value()) Report(context, *outcome.report);
  }
  // Outside the lock: the agent's side may take its own locks.
  if (outcome.stop_reason.has_value()) context.body.request_stop(*outcome.stop_reason);
  return outcome.reply;
}

DWORD WINAPI AgentThread(LPVOID raw_context) {
  ServiceContext& context = *static_cast<ServiceContext*>(raw_context);
  context.exit_code = context.body.run();
  return 0;
}

void WINAPI ServiceMain(DWORD /*argc*/, LPWSTR* /*argv*/) {
  ServiceContext& context = *running_service;
  const std::wstring name = collectors::windows::Wide(kServiceName);
  context.handle = RegisterServiceCtrlHandlerExW(name.c_str(), Control, &context);
  if (context.handle == nullptr) {
    context.exit_code = 1;
    return;
  }
  {
    Locked locked(context);
    Report(context, context.machine.StartPending());
  }
  // The agent runs on its own thread so that this one can keep the SCM informed while it
  // stops.
  HANDLE agent = CreateThread(nullptr, 0, AgentThread, &context, 0, nullptr);
  if (agent == nullptr) {
    context.exit_code = 1;
    Locked locked(context);
    Report(context, context.machine.Stopped(context.exit_code));
    return;
  }
  {
    Locked locked(context);
    Report(context, context.machine.Running());
  }
  const DWORD heartbeat = static_cast<DWORD>(ServiceStatusMachine::kStopHeartbeat.count());
  while (WaitForSingleObject(agent, heartbeat) == WAIT_TIMEOUT) {
    Locked locked(context);
    if (context.machine.stop_requested()) Report(context, context.machine.StopPendingHeartbeat());
  }
  CloseHandle(agent);
  Locked locked(context);
  Report(context, context.machine.Stopped(context.exit_code));
}

}  // namespace

int RunService(ServiceBody body, std::string* error) {
  ServiceContext context;
  context.body = std::move(body);
  running_service = &context;
  std::wstring name = collectors::windows::Wide(kServiceName);
  SERVICE_TABLE_ENTRYW table[] = {{name.data(), ServiceMain}, {nullptr, nullptr}};
  const BOOL dispatched = StartServiceCtrlDispatcherW(table);
  const DWORD code = dispatched ? NO_ERROR : GetLastError();
  running_service = nullptr;
  if (!dispatched) {
    *error = code == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
                 ? std::string(
                       "\"service run\" is for the Service Control Manager; start the "
                       "service with \"sc start CandorAgent\", or run the agent in this "
                       "console with \"candor-agent --config FILE\"")
                 : "cannot reach the Service Control Manager: " + Win32ErrorText(code);
    return 2;
  }
  return context.exit_code;
}

}  // namespace candor::agent::windows
