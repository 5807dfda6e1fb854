#include "agent/windows/service_args.h"

namespace candor::agent::windows {
namespace {

ServiceArgsOrError Error(std::string message) { return {.error = std::move(message)}; }

}  // namespace

ServiceArgsOrError ParseServiceArgs(const std::vector<std::string>& args) {
  if (args.empty()) return Error("expected install, uninstall or run");
  ServiceArgs parsed;
  const std::string& verb = args[0];
  if (verb == "install") {
    parsed.action = ServiceAction::kInstall;
  } else if (verb == "uninstall") {
    parsed.action = ServiceAction::kUninstall;
  } else if (verb == "run") {
    parsed.action = ServiceAction::kRun;
  } else if (verb == "-h" || verb == "--help" || verb == "help") {
    return {.args = parsed};
  } else {
    return Error("unknown command \"" + verb + "\"; expected install, uninstall or run");
  }
  bool have_config = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::optional<std::string> value;
    if (arg == "--config" || arg == "-c") {
      if (i + 1 == args.size() || args[i + 1].empty()) {
        return Error(verb + ": " + arg + " needs a file");
      }
      value = args[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      value = arg.substr(9);
      if (value->empty()) return Error(verb + ": --config needs a file");
    } else if (arg == "-h" || arg == "--help") {
      parsed.action = ServiceAction::kHelp;
      return {.args = parsed};
    } else if (!arg.empty() && arg[0] == '-') {
      return Error(verb + ": unknown option \"" + arg + "\"");
    } else {
      return Error(verb + ": unexpected argument \"" + arg + "\"");
    }
    if (parsed.action == ServiceAction::kUninstall) {
      return Error("uninstall: takes no --config (it removes the service by its name)");
    }
    if (have_config) return Error(verb + ": --config given twice");
    have_config = true;
    parsed.config = *value;
  }
  return {.args = parsed};
}

}  // namespace candor::agent::windows
