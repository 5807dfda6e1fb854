// candor-agent: runs posture checks on this device and sends the results to candor-server.
// The command line; run.cc wires the parts together.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/check_command.h"
#include "agent/enrollment.h"
#include "agent/local_commands.h"
#include "agent/log.h"
#include "agent/run.h"
#include "agent/windows/service_args.h"
#include "boost/program_options.hpp"
#include "collectors/builtin.h"
#include "config/agent_config.h"
#include "config/policy_lint.h"
#ifdef _WIN32
#include <memory>

#include "agent/stop_request.h"
#include "agent/windows/service_command_win32.h"
#endif

namespace po = boost::program_options;
namespace ca = candor::agent;

namespace {

constexpr const char* kUsage =
    "Usage:\n"
    "  candor-agent --config FILE [--once]   run the policy's checks and send the results\n"
    "  candor-agent enroll --server HOST:PORT --ca CA.pem --token TOKEN\n"
    "                      (--state-dir DIR | --config FILE) [--replace]\n"
    "                                        get this device's identity from the server: a\n"
    "                                        key made here, a certificate from the server,\n"
    "                                        kept in state_dir/identity (the token may also\n"
    "                                        come from CANDOR_ENROLL_TOKEN)\n"
    "  candor-agent policy validate FILE     check a policy file; print every error\n"
    "  candor-agent check [--policy FILE] [--only CHECK_ID ...] [--format table|json]\n"
    "                     [--host-root DIR]  run checks once here and print the results;\n"
    "                                        sends nothing (every collector with its\n"
    "                                        defaults when no policy is given)\n"
    "\n"
    "For the person using this device (any local user; reads only state_dir/public):\n"
    "  candor-agent explain [--config FILE | --state-dir DIR] [--policy FILE]\n"
    "                                        the policy in force in plain words: the notice,\n"
    "                                        each check, how often, what data it reports,\n"
    "                                        and what Candor never collects\n"
    "  candor-agent ledger [--config FILE | --state-dir DIR] [--since T]\n"
    "                      [--format text|json]\n"
    "                                        every event the server acknowledged, decoded,\n"
    "                                        oldest first (T: 2026-11-25T08:00:00Z or 24h)\n"
    "  candor-agent status [--config FILE | --state-dir DIR] [--format text|json]\n"
    "                                        connected or not, spool depth, last ack, policy\n"
    "                                        version, last run of each check; exit 3 when\n"
    "                                        the agent is not running\n"
    "  (--config defaults to /etc/candor/agent.yaml)\n"
    "\n"
    "Windows only (docs/windows.md):\n"
    "  candor-agent service install [--config FILE]\n"
    "                                        (as an administrator) register the CandorAgent\n"
    "                                        service: starts with Windows, restarts after a\n"
    "                                        failure (FILE defaults to\n"
    "                                        %ProgramData%\\Candor\\agent.yaml)\n"
    "  candor-agent service uninstall        stop and remove the service (its state stays)\n"
    "  candor-agent service run [--config FILE]\n"
    "                                        what the Service Control Manager starts\n"
    "\n"
    "Without --once the agent keeps running, each check on its interval, until SIGTERM or\n"
    "SIGINT (it then sends what is spooled and waits up to 3 s for the server's\n"
    "acknowledgement; the rest stays in state_dir), with one stream to the server open.\n"
    "It reloads the policy when the file changes or on SIGHUP; an invalid policy is refused\n"
    "and the last good one stays in force. It applies a policy the server pushes only when\n"
    "signed by a key in the config's policy_keys, for its own tenant, and newer than the\n"
    "one it runs.\n"
    "With --once it runs every check once, delivers every event and waits for the server's\n"
    "acknowledgement: exit 0 when all were stored, exit 1 when the server could not be\n"
    "reached in time (the events stay in state_dir for the next run).\n"
    "As a service (the candor-agent package, /usr/lib/systemd/system/candor-agent.service)\n"
    "it tells systemd when it is ready (sd_notify) and logs with journal levels.\n"
    "See docs/operations.md.\n";

int Check(const std::vector<std::string>& args) {
  po::options_description options("check options");
  options.add_options()("help,h", "show this help")("policy", po::value<std::string>(),
                                                    "policy file (default: every collector)")(
      "only", po::value<std::vector<std::string>>()->multitoken(), "only these check ids")(
      "format", po::value<std::string>()->default_value("table"), "table or json")(
      "host-root", po::value<std::string>()->default_value("/"),
      "read the host from this directory (a mounted disk image, a fixture tree)");
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-agent check: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  ca::CheckOptions check;
  if (vars.count("policy")) check.policy = vars["policy"].as<std::string>();
  if (vars.count("only")) check.only = vars["only"].as<std::vector<std::string>>();
  check.format = vars["format"].as<std::string>();
  check.host_root = vars["host-root"].as<std::string>();
  return ca::RunCheckCommand(check, std::cout, std::cerr);
}
int EnrollCommand(const std::vector<std::string>& args) {
  po::options_description options("enroll options");
  options.add_options()("help,h", "show this help")("server", po::value<std::string>(),
                                                    "the server, HOST:PORT")(
      "ca", po::value<std::string>(), "the CA certificate that issued the server's")(
      "token", po::value<std::string>(), "the bootstrap token (or CANDOR_ENROLL_TOKEN)")(
      "state-dir", po::value<std::string>(), "the agent's state_dir")(
      "config,c", po::value<std::string>(), "the agent config (its state_dir, server, tls.ca)")(
      "replace", "enroll again over an existing identity");
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-agent enroll: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  ca::EnrollOptions enroll;
  if (vars.count("config")) {
    absl::StatusOr<candor::config::AgentConfig> config =
        candor::config::LoadAgentConfig(vars["config"].as<std::string>());
    if (!config.ok()) {
      std::cerr << "candor-agent enroll: " << config.status().message() << "\n";
      return 1;
    }
    enroll.server = config->server.ToString();
    enroll.state_dir = config->state_dir;
  }
  if (vars.count("server")) enroll.server = vars["server"].as<std::string>();
  if (vars.count("state-dir")) enroll.state_dir = vars["state-dir"].as<std::string>();
  if (vars.count("ca")) enroll.ca = vars["ca"].as<std::string>();
  if (vars.count("token")) {
    enroll.token = vars["token"].as<std::string>();
  } else if (const char* token = std::getenv("CANDOR_ENROLL_TOKEN")) {
    enroll.token = token;
  }
  enroll.replace = vars.count("replace") > 0;
  enroll.agent_version = CANDOR_VERSION;
  if (enroll.server.empty() || enroll.ca.empty() || enroll.token.empty() ||
      enroll.state_dir.empty()) {
    std::cerr << "candor-agent enroll: needs --server, --ca, --token and --state-dir (or "
                 "--config)\n\n"
              << kUsage;
    return 2;
  }
  absl::StatusOr<ca::DeviceId> id = ca::Enroll(enroll);
  if (!id.ok()) {
    std::cerr << "candor-agent enroll: " << id.status().message() << "\n";
    return 1;
  }
  std::cout << "enrolled as device " << id->device_id << " of tenant " << id->tenant
            << "; identity in " << candor::config::IdentityDir(enroll.state_dir).string() << "\n";
  return 0;
}

// explain, ledger and status: where state_dir is, and their own options.
int LocalCommand(const std::string& name, const std::vector<std::string>& args) {
  po::options_description options(name + " options");
  options.add_options()("help,h", "show this help")(
      "config,c", po::value<std::string>()->default_value("/etc/candor/agent.yaml"),
      "the agent config (for its state_dir)")("state-dir", po::value<std::string>(),
                                              "the agent's state_dir (instead of --config)");
  if (name == "explain") {
    options.add_options()("policy", po::value<std::string>(),
                          "explain this policy file instead of the one in force");
  } else {
    options.add_options()("format", po::value<std::string>()->default_value("text"),
                          "text or json");
  }
  if (name == "ledger") {
    options.add_options()("since", po::value<std::string>(),
                          "only events acknowledged since (2026-11-25T08:00:00Z, 24h, 7d)");
  }
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-agent " << name << ": " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  ca::LocalCommandOptions local;
  if (vars.count("state-dir")) {
    local.state_dir = vars["state-dir"].as<std::string>();
  } else {
    absl::StatusOr<candor::config::AgentConfig> config =
        candor::config::LoadAgentConfig(vars["config"].as<std::string>());
    if (!config.ok()) {
      std::cerr << "candor-agent " << name << ": " << config.status().message() << "\n";
      return 1;
    }
    local.state_dir = config->state_dir;
  }
  if (vars.count("format")) local.format = vars["format"].as<std::string>();
  if (name == "explain") {
    std::optional<std::filesystem::path> policy;
    if (vars.count("policy")) policy = vars["policy"].as<std::string>();
    return ca::RunExplainCommand(local, policy, std::cout, std::cerr);
  }
  if (name == "ledger") {
    std::optional<std::string> since;
    if (vars.count("since")) since = vars["since"].as<std::string>();
    return ca::RunLedgerCommand(local, since, std::cout, std::cerr);
  }
  return ca::RunStatusCommand(local, std::cout, std::cerr);
}

// service install|uninstall|run: parsed everywhere, carried out on Windows only.
int ServiceCommand(const std::vector<std::string>& args) {
  namespace cw = candor::agent::windows;
  const cw::ServiceArgsOrError parsed = cw::ParseServiceArgs(args);
  if (!parsed.args) {
    std::cerr << "candor-agent service: " << parsed.error << "\n\n" << kUsage;
    return 2;
  }
  if (parsed.args->action == cw::ServiceAction::kHelp) {
    std::cout << kUsage;
    return 0;
  }
#ifdef _WIN32
  return cw::RunServiceCommand(
      *parsed.args,
      [](const std::string& config_path) {
        auto stop = std::make_shared<ca::StopRequest>();
        return cw::ServiceBody{
            .run =
                [stop, config_path] {
                  // UTF-8, as the service command found it (a narrow path would be
                  // read in the ANSI code page).
                  absl::StatusOr<candor::config::AgentConfig> config =
                      candor::config::LoadAgentConfig(std::filesystem::path(
                          std::u8string(config_path.begin(), config_path.end())));
                  if (!config.ok()) {
                    ca::Log(config.status().message());
                    return 1;
                  }
                  return ca::RunAgent(*config, false, stop.get());
                },
            .request_stop = [stop](const std::string& reason) { stop->Request(reason); }};
      },
      std::cout, std::cerr);
#else
  std::cerr << "candor-agent service: the service commands are for Windows only; on Linux run "
               "\"candor-agent --config FILE\" under the system's service manager\n";
  return 2;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "enroll") return EnrollCommand({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "check") return Check({args.begin() + 1, args.end()});
  if (!args.empty() && (args[0] == "explain" || args[0] == "ledger" || args[0] == "status")) {
    return LocalCommand(args[0], {args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "service") {
    return ServiceCommand({args.begin() + 1, args.end()});
  }
  if (args.size() >= 1 && args[0] == "policy") {
    if (args.size() == 3 && args[1] == "validate")
      return candor::config::LintPolicyFile(args[2], candor::collectors::BuiltinCatalog(),
                                            std::cout, std::cerr);
    std::cerr << "candor-agent: expected \"policy validate FILE\"\n\n" << kUsage;
    return 2;
  }
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value<std::string>(), "agent config file (YAML)")(
      "once", "run every check once, deliver, wait for the acks, exit");
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-agent: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  if (vars.count("version")) {
    std::cout << "candor-agent " << CANDOR_VERSION << "\n";
    return 0;
  }
  if (!vars.count("config")) {
    std::cerr << "candor-agent: --config is required\n\n" << kUsage;
    return 2;
  }
  absl::StatusOr<candor::config::AgentConfig> config =
      candor::config::LoadAgentConfig(vars["config"].as<std::string>());
  if (!config.ok()) {
    ca::LogError(config.status().message());
    return 1;
  }
  return ca::RunAgent(*config, vars.count("once") > 0);
}
