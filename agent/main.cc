// candor-agent: runs posture checks on this device and sends the results to candor-server.
// Wiring only; the parts live in agent.cc, spool.cc, uplink.cc and collectors/.

#include <pthread.h>

#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/agent.h"
#include "agent/log.h"
#include "agent/state_dir.h"
#include "boost/program_options.hpp"
#include "collectors/builtin.h"
#include "config/agent_config.h"
#include "config/policy.h"

namespace po = boost::program_options;
namespace ca = candor::agent;

namespace {

constexpr const char* kUsage =
    "Usage:\n"
    "  candor-agent --config FILE [--once]   run the policy's checks and send the results\n"
    "  candor-agent policy validate FILE     check a policy file; print every error\n"
    "\n"
    "Without --once the agent keeps running, re-running each check on its interval, until\n"
    "SIGTERM or SIGINT. With --once it runs every check once, delivers every event and\n"
    "waits for the server's acknowledgement: exit 0 when all were stored, exit 1 when the\n"
    "server could not be reached in time (the events stay in state_dir for the next run).\n"
    "See docs/operations.md.\n";

int Fail(absl::string_view message) {
  ca::Log(message);
  return 1;
}

int ValidatePolicy(const std::string& path) {
  candor::collectors::CollectorRegistry registry;
  candor::collectors::RegisterBuiltins(registry);
  absl::StatusOr<candor::config::Policy> policy =
      candor::config::LoadPolicyFile(path, registry.Ids());
  if (!policy.ok()) {
    std::cerr << policy.status().message() << "\n";
    return 1;
  }
  std::cout << path << ": valid policy \"" << policy->name << "\" version " << policy->version
            << ", " << policy->checks.size() << " check(s)\n";
  return 0;
}

int Run(const std::string& config_path, bool once) {
  absl::StatusOr<candor::config::AgentConfig> config = candor::config::LoadAgentConfig(config_path);
  if (!config.ok()) return Fail(config.status().message());

  candor::collectors::CollectorRegistry registry;
  candor::collectors::RegisterBuiltins(registry);
  absl::StatusOr<candor::config::Policy> policy =
      candor::config::LoadPolicyFile(config->policy, registry.Ids());
  if (!policy.ok()) return Fail(policy.status().message());

  if (absl::Status s = ca::PrepareStateDir(config->state_dir); !s.ok()) return Fail(s.message());
  absl::StatusOr<std::unique_ptr<ca::Spool>> spool = ca::Spool::Open(config->state_dir);
  if (!spool.ok()) return Fail(spool.status().message());
  const ca::Spool::Recovery& damage = (*spool)->recovery();
  if (damage.skipped_records > 0 || damage.cut_bytes > 0 || damage.cursor_damaged) {
    ca::Log(absl::StrCat("spool was damaged: skipped ", damage.skipped_records, " record(s), cut ",
                         damage.cut_bytes, " byte(s) of torn tail",
                         damage.cursor_damaged ? ", cursor unreadable (resending all)" : ""));
  }

  // Block the stop signals before any thread starts, so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<ca::Uplink>> uplink = ca::Uplink::Create(*config, CANDOR_VERSION);
  if (!uplink.ok()) return Fail(uplink.status().message());

  const candor::collectors::HostView host("/");
  const ca::SystemClock clock;
  ca::Agent agent(*policy, registry, host, clock, **spool, **uplink, config->connect_timeout);

  if (once) {
    if (absl::Status s = agent.RunAllChecks(); !s.ok()) return Fail(s.message());
    if (absl::Status s = agent.Deliver(); !s.ok()) {
      return Fail(absl::StrCat("cannot deliver to ", config->server.ToString(), ": ", s.message(),
                               "; ", (*spool)->pending_count(), " event(s) stay in ",
                               config->state_dir.string(), " for the next run"));
    }
    std::cout << "delivered: every event up to seq " << (*spool)->acked_seq()
              << " is stored on the server\n";
    return 0;
  }

  ca::StopFlag stop;
  std::thread signals([&stop, stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    stop.Stop();
  });
  ca::Log(absl::StrCat("running policy \"", policy->name, "\" version ", policy->version, " (",
                       policy->checks.size(), " check(s)), server ", config->server.ToString()));
  agent.RunUntilStopped(stop);
  signals.join();
  ca::Log("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 1 && args[0] == "policy") {
    if (args.size() == 3 && args[1] == "validate") return ValidatePolicy(args[2]);
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
  return Run(vars["config"].as<std::string>(), vars.count("once") > 0);
}
