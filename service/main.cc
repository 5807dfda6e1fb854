// candor-server: receives posture events from agents over mutual TLS and stores them.
// Wiring only; the parts live in server.cc, ingest.cc, agent_stream.cc and storage/.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "boost/program_options.hpp"
#include "config/time_text.h"
#include "service/export.h"
#include "service/init_command.h"
#include "service/log.h"
#include "service/open_files.h"
#include "service/server.h"
#include "service/server_config.h"
#include "service/storage/open_store.h"
#include "systemd/sd-daemon.h"

namespace po = boost::program_options;
namespace cs = candor::service;

namespace {

constexpr const char* kUsage =
    "Usage:\n"
    "  candor-server --config FILE            run the server\n"
    "  candor-server export --config FILE [--format jsonl|table] [--since T]\n"
    "                                         print the stored events; with --since\n"
    "                                         (2026-11-22T08:00:00Z, or 24h ago) only\n"
    "                                         those received since, as JSON lines in\n"
    "                                         the order received (for a SIEM)\n"
    "  candor-server init --dir DIR [--host NAME ...] [--listen HOST:PORT] [--admin NAME]\n"
    "                     [--metrics-listen HOST:PORT|off]\n"
    "                                         make a new installation: CA, server and\n"
    "                                         msp-admin certificates, server.yaml\n"
    "  candor-server admin-cert --config FILE --name NAME --role ROLE [--tenant T]\n"
    "                           --out DIR [--days N]\n"
    "                                         issue an admin certificate (roles:\n"
    "                                         msp-admin, tenant-admin, analyst)\n"
    "\n"
    "Agents and admins connect with client certificates issued by tls.client_ca; devices\n"
    "without one can only enroll (with a token from `candorctl token create`) when the\n"
    "config has an enrollment CA. The server prints \"listening on HOST:PORT\" once it\n"
    "accepts connections and stops cleanly on SIGTERM or SIGINT. The config's storage is a\n"
    "SQLite file (one server) or a postgres:// URI (several servers may share the database).\n"
    "Prometheus metrics are served at http://METRICS_LISTEN/metrics (config metrics_listen,\n"
    "default 127.0.0.1:9464; off to disable); the server prints \"metrics on URL\" first.\n"
    "As a service (the candor-server package, candor-server.service) it tells systemd when\n"
    "it listens (sd_notify) and logs with journal levels. See docs/operations.md.\n";

int Fail(absl::string_view message) {
  cs::LogError(message);
  return 1;
}

int RunServer(const std::string& config_path) {
  absl::StatusOr<cs::ServerConfig> config = cs::LoadServerConfig(config_path);
  if (!config.ok()) return Fail(config.status().message());

  // Block the stop signals in every thread (gRPC's threads inherit this mask) and take
  // them synchronously below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (const uint64_t files = cs::RaiseOpenFileLimit(); files < cs::kOpenFilesForAFleet) {
    cs::LogWarning(absl::StrCat("at most ", files,
                                " open files: fewer agents than that can be connected at once "
                                "(raise LimitNOFILE or ulimit -n)"));
  }
  absl::StatusOr<std::unique_ptr<cs::Server>> server = cs::Server::Start(*config);
  if (!server.ok()) return Fail(server.status().message());
  // Before "listening on", so whoever waits for that line has both.
  if (const candor::config::HostPort* metrics = (*server)->metrics_address()) {
    std::printf("metrics on http://%s/metrics\n", metrics->ToString().c_str());
  }
  std::printf(
      "listening on %s\n",
      candor::config::HostPort{config->listen.host, static_cast<uint16_t>((*server)->port())}
          .ToString()
          .c_str());
  std::fflush(stdout);
  // Under systemd (Type=notify) the unit is started once the server accepts connections;
  // without NOTIFY_SOCKET these do nothing.
  sd_notifyf(0, "READY=1\nSTATUS=listening on port %d", (*server)->port());

  int signal = 0;
  sigwait(&stop_signals, &signal);
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
  cs::Log(absl::StrCat("received ", signal == SIGTERM ? "SIGTERM" : "SIGINT", ", stopping"));
  (*server)->Shutdown(std::chrono::seconds(1));
  cs::Log("stopped");
  return 0;
}

int RunExport(const std::string& config_path, const std::string& format,
              const std::optional<std::string>& since) {
  std::optional<int64_t> since_ms;
  if (since) {
    absl::StatusOr<int64_t> parsed =
        candor::config::ParseSince(*since, cs::UnixMillis(std::chrono::system_clock::now()));
    if (!parsed.ok()) return Fail(parsed.status().message());
    since_ms = *parsed;
  }
  cs::ExportFormat export_format;
  if (format == "jsonl" || (format.empty() && since)) {
    export_format = cs::ExportFormat::kJsonLines;
  } else if (format == "table" || format.empty()) {
    export_format = cs::ExportFormat::kTable;
  } else {
    return Fail(absl::StrCat("--format: expected jsonl or table, got \"", format, "\""));
  }
  absl::StatusOr<cs::ServerConfig> config = cs::LoadServerConfig(config_path);
  if (!config.ok()) return Fail(config.status().message());
  absl::StatusOr<std::unique_ptr<cs::Storage>> store =
      cs::OpenStorage(config->storage, {.read_only = true});
  if (!store.ok()) return Fail(store.status().message());
  if (absl::Status s = cs::ExportEvents(**store, export_format, std::cout, since_ms); !s.ok()) {
    return Fail(s.message());
  }
  return 0;
}

int RunInit(const std::vector<std::string>& args) {
  po::options_description options("init options");
  options.add_options()("help,h", "show this help")("dir", po::value<std::string>(),
                                                    "new directory for the installation's files")(
      "host", po::value<std::vector<std::string>>()->composing(),
      "a name or address agents reach the server by (repeatable)")(
      "listen", po::value<std::string>()->default_value("0.0.0.0:7443"), "listen address")(
      "metrics-listen", po::value<std::string>()->default_value("127.0.0.1:9464"),
      "Prometheus /metrics address, or off")(
      "admin", po::value<std::string>()->default_value("admin"), "the first msp-admin's name");
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-server init: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  if (!vars.count("dir")) {
    std::cerr << "candor-server init: --dir is required\n";
    return 2;
  }
  cs::InitOptions init;
  init.dir = vars["dir"].as<std::string>();
  if (vars.count("host")) init.hosts = vars["host"].as<std::vector<std::string>>();
  init.listen = vars["listen"].as<std::string>();
  init.metrics_listen = vars["metrics-listen"].as<std::string>();
  init.admin = vars["admin"].as<std::string>();
  if (absl::Status s = cs::InitServer(init, std::cout); !s.ok()) return Fail(s.message());
  return 0;
}

int RunAdminCert(const std::vector<std::string>& args) {
  po::options_description options("admin-cert options");
  options.add_options()("help,h", "show this help")("config,c", po::value<std::string>(),
                                                    "server config file (its enrollment CA)")(
      "name", po::value<std::string>(), "the admin's name")("role", po::value<std::string>(),
                                                            "msp-admin, tenant-admin or analyst")(
      "tenant", po::value<std::string>(), "the tenant (tenant-admin and analyst)")(
      "out", po::value<std::string>(), "directory for NAME.pem and NAME.key")(
      "days", po::value<int>()->default_value(90), "lifetime in days (1-397)");
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-server admin-cert: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  for (const char* required : {"config", "name", "role", "out"}) {
    if (!vars.count(required)) {
      std::cerr << "candor-server admin-cert: --" << required << " is required\n";
      return 2;
    }
  }
  const std::string role = vars["role"].as<std::string>();
  const std::string tenant = vars.count("tenant") ? vars["tenant"].as<std::string>() : "";
  std::string uri = "candor://admin/" + vars["name"].as<std::string>() + "/role/" + role;
  if (!tenant.empty()) uri += "/tenant/" + tenant;
  std::optional<cs::AdminIdentity> admin = cs::ParseAdminUri(uri);
  const int days = vars["days"].as<int>();
  if (!admin) {
    return Fail(
        "expected --role msp-admin without --tenant, or tenant-admin or analyst with "
        "--tenant; names are 1-64 letters, digits, '-', '_' or '.'");
  }
  if (days < 1 || days > 397) return Fail("--days: expected 1 to 397");
  cs::AdminCertOptions cert{.config = vars["config"].as<std::string>(),
                            .admin = *admin,
                            .out_dir = vars["out"].as<std::string>(),
                            .lifetime = std::chrono::hours(24 * days)};
  if (absl::Status s = cs::IssueAdminCertificate(cert, std::cout); !s.ok()) {
    return Fail(s.message());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's abseil is built with its debug deadlock detection on, which gRPC's internal
  // mutexes then pay for on every lock (GraphCycles was about 1.4% of the server's perf
  // samples under the fleet benchmark, docs/benchmarks.md). A development aid; off here.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "init") return RunInit({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "admin-cert") {
    return RunAdminCert({args.begin() + 1, args.end()});
  }
  const bool is_export = !args.empty() && args[0] == "export";
  if (is_export) args.erase(args.begin());

  po::options_description options("Options");
  options.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value<std::string>(), "server config file (YAML)")(
      "format", po::value<std::string>()->default_value(""),
      "export only: jsonl or table (default: table; jsonl with --since)")(
      "since", po::value<std::string>(), "export only: events received since this time");
  po::variables_map vars;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vars);
    po::notify(vars);
  } catch (const po::error& e) {
    std::cerr << "candor-server: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  if (vars.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  if (vars.count("version")) {
    std::cout << "candor-server " << CANDOR_VERSION << "\n";
    return 0;
  }
  if (!vars.count("config")) {
    std::cerr << "candor-server: --config is required\n\n" << kUsage;
    return 2;
  }
  const std::string config_path = vars["config"].as<std::string>();
  if (is_export) {
    return RunExport(
        config_path, vars["format"].as<std::string>(),
        vars.count("since") ? std::optional(vars["since"].as<std::string>()) : std::nullopt);
  }
  if (!vars["format"].as<std::string>().empty() || vars.count("since")) {
    std::cerr << "candor-server: --format and --since belong to the export command\n";
    return 2;
  }
  return RunServer(config_path);
}
