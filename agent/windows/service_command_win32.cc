#include "agent/windows/service_command_win32.h"

// windows.h must come before the other Windows headers.
// clang-format off
#include <windows.h>
#include <shlobj.h>
// clang-format on

#include <optional>

#include "agent/windows/scm_win32.h"
#include "agent/windows/service_logic.h"
#include "agent/windows/win32_error_win32.h"
#include "collectors/windows/utf16_win32.h"

namespace candor::agent::windows {
namespace {

using collectors::windows::Utf8;
using collectors::windows::Wide;

std::optional<std::string> ProgramData(std::string* error) {
  wchar_t* path = nullptr;
  const HRESULT hr = SHGetKnownFolderPath(FOLDERID_ProgramData, 0, nullptr, &path);
  std::optional<std::string> found;
  if (SUCCEEDED(hr)) {
    found = Utf8(path);
  } else {
    *error = "cannot find the ProgramData folder: " + Win32ErrorText(static_cast<DWORD>(hr));
  }
  CoTaskMemFree(path);
  return found;
}

std::optional<std::string> OwnExecutable(std::string* error) {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) {
      *error = "cannot find the agent's own path: " + Win32ErrorText(GetLastError());
      return std::nullopt;
    }
    if (n < path.size()) return Utf8(path.data(), n);
    path.resize(path.size() * 2);  // truncated
  }
}

std::optional<std::string> FullPath(const std::string& path, std::string* error) {
  const std::wstring wide = Wide(path);
  const DWORD n = GetFullPathNameW(wide.c_str(), 0, nullptr, nullptr);
  std::wstring full(n, L'\0');
  const DWORD written = n == 0 ? 0 : GetFullPathNameW(wide.c_str(), n, full.data(), nullptr);
  if (written == 0 || written >= n) {
    *error = path + ": " + Win32ErrorText(GetLastError());
    return std::nullopt;
  }
  return Utf8(full.data(), written);
}

// The config file the command names, made absolute, or the default one.
std::optional<std::string> ConfigPath(const ServiceArgs& args, const WindowsPaths& paths,
                                      std::string* error) {
  if (args.config.empty()) return paths.config;
  return FullPath(args.config, error);
}

int Install(const std::string& config, const WindowsPaths& paths, std::ostream& out,
            std::ostream& err) {
  std::string error;
  const std::optional<std::string> executable = OwnExecutable(&error);
  if (!executable) {
    err << "candor-agent service install: " << error << "\n";
    return 1;
  }
  const InstallPlanOrError planned = MakeInstallPlan(*executable, config, paths);
  if (!planned.plan) {
    err << "candor-agent service install: " << planned.error << "\n";
    return 2;
  }
  if (!InstallService(*planned.plan, &error)) {
    err << "candor-agent service install: " << error << "\n";
    return 1;
  }
  out << "installed the " << kServiceName << " service: " << planned.plan->command_line
      << "\nit starts with Windows; start it now with \"sc start " << kServiceName << "\"\n";
  if (GetFileAttributesW(Wide(config).c_str()) == INVALID_FILE_ATTRIBUTES) {
    out << "note: " << config << " does not exist yet; the service cannot start without it\n";
  }
  return 0;
}

}  // namespace

int RunServiceCommand(const ServiceArgs& args, const ServiceBodyFactory& make_body,
                      std::ostream& out, std::ostream& err) {
  std::string error;
  const std::optional<std::string> program_data = ProgramData(&error);
  if (!program_data) {
    err << "candor-agent service: " << error << "\n";
    return 1;
  }
  const WindowsPaths paths = DefaultWindowsPaths(*program_data);
  if (args.action == ServiceAction::kUninstall) {
    if (!UninstallService(kServiceName, &error)) {
      err << "candor-agent service uninstall: " << error << "\n";
      return 1;
    }
    out << "removed the " << kServiceName << " service; " << paths.base_dir
        << " (config, state, identity) stays\n";
    return 0;
  }
  const std::optional<std::string> config = ConfigPath(args, paths, &error);
  if (!config) {
    err << "candor-agent service: " << error << "\n";
    return 2;
  }
  if (args.action == ServiceAction::kInstall) return Install(*config, paths, out, err);
  const int code = RunService(make_body(*config), &error);
  if (!error.empty()) err << "candor-agent service run: " << error << "\n";
  return code;
}

}  // namespace candor::agent::windows
