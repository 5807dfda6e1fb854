#include "agent/windows/scm_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <winsvc.h>
// clang-format on

#include <vector>

#include "agent/windows/secure_dir_win32.h"
#include "agent/windows/win32_error_win32.h"
#include "collectors/windows/utf16_win32.h"

namespace candor::agent::windows {
namespace {

using collectors::windows::Wide;

constexpr DWORD kStopTimeoutMs = 30000;
constexpr DWORD kStopPollMs = 500;

class ServiceHandle {
 public:
  explicit ServiceHandle(SC_HANDLE handle) : handle_(handle) {}
  ServiceHandle(const ServiceHandle&) = delete;
  ServiceHandle& operator=(const ServiceHandle&) = delete;
  ~ServiceHandle() {
    if (handle_ != nullptr) CloseServiceHandle(handle_);
  }
  SC_HANDLE get() const { return handle_; }

 private:
  SC_HANDLE handle_;
};

bool Fail(std::string* error, const std::string& what, DWORD code) {
  *error = what + ": " + Win32ErrorText(code);
  if (code == ERROR_ACCESS_DENIED) *error += "; run it as an administrator";
  return false;
}

// Description, delayed start and recovery, each a ChangeServiceConfig2W call.
bool Configure(SC_HANDLE service, const InstallPlan& plan, std::string* error) {
  std::wstring description = Wide(plan.description);
  SERVICE_DESCRIPTIONW described{description.data()};
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_DESCRIPTION, &described)) {
    return Fail(error, "cannot set the service's description", GetLastError());
  }
  SERVICE_DELAYED_AUTO_START_INFO delayed{plan.delayed_auto_start ? TRUE : FALSE};
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed)) {
    return Fail(error, "cannot set the delayed start", GetLastError());
  }
  std::vector<SC_ACTION> actions;
  for (const RecoveryAction& action : plan.recovery) {
    actions.push_back(SC_ACTION{
        SC_ACTION_RESTART,
        static_cast<DWORD>(
            std::chrono::duration_cast<std::chrono::milliseconds>(action.restart_after).count())});
  }
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = static_cast<DWORD>(plan.reset_failures_after.count());
  failure.cActions = static_cast<DWORD>(actions.size());
  failure.lpsaActions = actions.data();
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return Fail(error, "cannot set the recovery actions", GetLastError());
  }
  SERVICE_FAILURE_ACTIONS_FLAG on_error{plan.recover_on_error_exit ? TRUE : FALSE};
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &on_error)) {
    return Fail(error, "cannot apply the recovery actions to error exits", GetLastError());
  }
  return true;
}

// Asks a running service to stop and waits, bounded, until it has.
bool StopAndWait(SC_HANDLE service, std::string* error) {
  SERVICE_STATUS status{};
  if (!QueryServiceStatus(service, &status)) {
    return Fail(error, "cannot ask the service's state", GetLastError());
  }
  if (status.dwCurrentState == SERVICE_STOPPED) return true;
  if (!ControlService(service, SERVICE_CONTROL_STOP, &status) &&
      GetLastError() != ERROR_SERVICE_NOT_ACTIVE) {
    return Fail(error, "cannot stop the service", GetLastError());
  }
  for (DWORD waited = 0; waited < kStopTimeoutMs; waited += kStopPollMs) {
    if (!QueryServiceStatus(service, &status)) {
      return Fail(error, "cannot ask the service's state", GetLastError());
    }
    if (status.dwCurrentState == SERVICE_STOPPED) return true;
    Sleep(kStopPollMs);
  }
  *error = "the service did not stop within 30 seconds";
  return false;
}

}  // namespace

bool InstallService(const InstallPlan& plan, std::string* error) {
  for (const DirectoryToSecure& directory : plan.directories) {
    if (!SecureDirectory(directory.path, directory.sddl, error)) return false;
  }
  ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE));
  if (manager.get() == nullptr) {
    return Fail(error, "cannot open the Service Control Manager", GetLastError());
  }
  const std::wstring name = Wide(plan.service_name);
  const std::wstring display = Wide(plan.display_name);
  const std::wstring command_line = Wide(plan.command_line);
  // No account: LocalSystem.
  ServiceHandle service(
      CreateServiceW(manager.get(), name.c_str(), display.c_str(), SERVICE_ALL_ACCESS,
                     SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                     command_line.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr));
  if (service.get() == nullptr) {
    const DWORD code = GetLastError();
    if (code == ERROR_SERVICE_EXISTS) {
      *error = "the service " + plan.service_name +
               " is already installed; run \"candor-agent service uninstall\" first";
      return false;
    }
    return Fail(error, "cannot create the service " + plan.service_name, code);
  }
  if (!Configure(service.get(), plan, error)) {
    DeleteService(service.get());
    return false;
  }
  return true;
}

bool UninstallService(const std::string& service_name, std::string* error) {
  ServiceHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (manager.get() == nullptr) {
    return Fail(error, "cannot open the Service Control Manager", GetLastError());
  }
  ServiceHandle service(OpenServiceW(manager.get(), Wide(service_name).c_str(),
                                     SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
  if (service.get() == nullptr) {
    const DWORD code = GetLastError();
    if (code == ERROR_SERVICE_DOES_NOT_EXIST) {
      *error = "the service " + service_name + " is not installed";
      return false;
    }
    return Fail(error, "cannot open the service " + service_name, code);
  }
  if (!StopAndWait(service.get(), error)) return false;
  if (!DeleteService(service.get()) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE) {
    return Fail(error, "cannot delete the service " + service_name, GetLastError());
  }
  return true;
}

}  // namespace candor::agent::windows
