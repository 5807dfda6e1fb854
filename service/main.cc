// candor-server: receives posture events from agents over mutual TLS and stores them.
// Wiring only; the parts live in server.cc, ingest.cc, agent_stream.cc and storage/.

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "boost/program_options.hpp"
#include "service/export.h"
#include "service/log.h"
#include "service/server.h"
#include "service/server_config.h"
#include "service/storage/sqlite_store.h"

namespace po = boost::program_options;
namespace cs = candor::service;

namespace {

constexpr const char* kUsage =
    "Usage:\n"
    "  candor-server --config FILE            run the server\n"
    "  candor-server export --config FILE [--format jsonl|table]\n"
    "                                         print the stored events\n"
    "\n"
    "The server listens with mutual TLS; only devices whose certificate was issued by\n"
    "tls.client_ca can connect. It prints \"listening on HOST:PORT\" once it accepts\n"
    "connections and stops cleanly on SIGTERM or SIGINT. See docs/operations.md.\n";

int Fail(absl::string_view message) {
  std::cerr << "candor-server: " << message << "\n";
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

  absl::StatusOr<std::unique_ptr<cs::Server>> server = cs::Server::Start(*config);
  if (!server.ok()) return Fail(server.status().message());
  std::printf(
      "listening on %s\n",
      candor::config::HostPort{config->listen.host, static_cast<uint16_t>((*server)->port())}
          .ToString()
          .c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  cs::Log(absl::StrCat("received ", signal == SIGTERM ? "SIGTERM" : "SIGINT", ", stopping"));
  (*server)->Shutdown(std::chrono::seconds(1));
  cs::Log("stopped");
  return 0;
}

int RunExport(const std::string& config_path, const std::string& format) {
  cs::ExportFormat export_format;
  if (format == "jsonl") {
    export_format = cs::ExportFormat::kJsonLines;
  } else if (format == "table") {
    export_format = cs::ExportFormat::kTable;
  } else {
    return Fail(absl::StrCat("--format: expected jsonl or table, got \"", format, "\""));
  }
  absl::StatusOr<cs::ServerConfig> config = cs::LoadServerConfig(config_path);
  if (!config.ok()) return Fail(config.status().message());
  cs::SqliteStore::Options options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<cs::SqliteStore>> store =
      cs::SqliteStore::Open(config->storage, options);
  if (!store.ok()) return Fail(store.status().message());
  if (absl::Status s = cs::ExportEvents(**store, export_format, std::cout); !s.ok()) {
    return Fail(s.message());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool is_export = !args.empty() && args[0] == "export";
  if (is_export) args.erase(args.begin());

  po::options_description options("Options");
  options.add_options()("help,h", "show this help")("version", "print the version")(
      "config,c", po::value<std::string>(), "server config file (YAML)")(
      "format", po::value<std::string>()->default_value(is_export ? "table" : ""),
      "export only: jsonl or table");
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
  if (is_export) return RunExport(config_path, vars["format"].as<std::string>());
  if (!vars["format"].as<std::string>().empty()) {
    std::cerr << "candor-server: --format belongs to the export command\n";
    return 2;
  }
  return RunServer(config_path);
}
