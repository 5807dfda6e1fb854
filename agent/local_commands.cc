#include "agent/local_commands.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <limits>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "agent/explain.h"
#include "agent/ledger.h"
#include "agent/public_dir.h"
#include "collectors/builtin.h"
#include "config/policy.h"
#include "config/read_file.h"
#include "config/time_text.h"
#include "nlohmann/json.hpp"
#include "proto/check_status_text.h"

namespace candor::agent {
namespace {

// The largest status.json the agent writes: kMaxChecks (2,000) checks, each with a reason of
// up to 1 KiB (what the server accepts) and its other fields, about 2.5 MB.
constexpr size_t kMaxStatusBytes = 4 << 20;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool BadFormat(const LocalCommandOptions& options, absl::string_view command, std::ostream& err) {
  if (options.format == "text" || options.format == "json") return false;
  err << "candor-agent " << command << ": --format: expected text or json, got \"" << options.format
      << "\"\n";
  return true;
}

// The status document, or nullopt (with why) when there is none or it is damaged.
std::optional<nlohmann::json> ReadStatus(const std::filesystem::path& state_dir,
                                         std::string& problem) {
  const std::filesystem::path path = PublicDir(state_dir) / "status.json";
  absl::StatusOr<std::string> text = config::ReadBoundedFile(path, kMaxStatusBytes, "status");
  if (!text.ok()) {
    problem = std::string(text.status().message());
    return std::nullopt;
  }
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    problem = absl::StrCat(path.string(), " is damaged (not a JSON object)");
    return std::nullopt;
  }
  return doc;
}

std::string Text(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

int64_t Number(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

bool Flag(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

const nlohmann::json& Object(const nlohmann::json& doc, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = doc.find(key);
  return it != doc.end() && it->is_object() ? *it : kEmpty;
}

// Whether the process that wrote the status still exists (EPERM: it does, as another user).
bool ProcessAlive(int64_t pid) {
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

void PrintEntry(const LedgerEntry& entry, std::ostream& out) {
  const v1::Event& e = entry.event;
  const int64_t observed_ms =
      e.observed_at().seconds() * 1000 + e.observed_at().nanos() / 1'000'000;
  out << "#" << e.seq() << "  observed " << config::Rfc3339(observed_ms) << ", acknowledged "
      << config::Rfc3339(entry.acked_at_ms) << "\n";
  out << "  " << e.check_id() << " (" << e.collector() << "): " << v1::CheckStatusText(e.status());
  if (e.severity() != v1::SEVERITY_UNSPECIFIED) {
    out << ", importance "
        << absl::AsciiStrToLower(absl::StripPrefix(v1::Severity_Name(e.severity()), "SEVERITY_"));
  }
  out << ", policy version " << e.policy_version() << "\n";
  if (!e.reason().empty()) out << "  " << e.reason() << "\n";
  // Facts in name order, each value as sent.
  std::map<std::string, const v1::FactValue*> facts;
  for (const auto& [name, value] : e.facts()) facts[name] = &value;
  for (const auto& [name, value] : facts) {
    out << "    " << name << " = ";
    switch (value->kind_case()) {
      case v1::FactValue::kText:
        out << value->text();
        break;
      case v1::FactValue::kInteger:
        out << value->integer();
        break;
      case v1::FactValue::kFlag:
        out << (value->flag() ? "true" : "false");
        break;
      case v1::FactValue::kNumber:
        out << value->number();
        break;
      case v1::FactValue::kList:
        out << "[" << absl::StrJoin(value->list().values(), ", ") << "]";
        break;
      default:
        out << "(empty)";
    }
    out << "\n";
  }
}

}  // namespace

int RunExplainCommand(const LocalCommandOptions& options,
                      const std::optional<std::filesystem::path>& policy_file, std::ostream& out,
                      std::ostream& err) {
  const config::CollectorCatalog catalog = collectors::BuiltinCatalog();
  if (policy_file) {
    absl::StatusOr<config::Policy> policy = config::LoadPolicyFile(*policy_file, catalog);
    if (!policy.ok()) {
      err << "candor-agent explain: " << policy.status().message() << "\n";
      return 1;
    }
    out << ExplainPolicy(*policy, catalog,
                         absl::StrCat("as written in ", policy_file->string(),
                                      " (not necessarily the one in force)"));
    return 0;
  }
  const std::filesystem::path public_dir = PublicDir(options.state_dir);
  std::error_code ec;
  if (!std::filesystem::is_directory(public_dir, ec)) {
    err << "candor-agent explain: " << public_dir.string()
        << " does not exist: the agent has not run with this state_dir (see --config)\n";
    return 1;
  }
  std::string source = "in force on this device";
  std::string problem;
  if (std::optional<nlohmann::json> status = ReadStatus(options.state_dir, problem)) {
    const nlohmann::json& policy = Object(*status, "policy");
    if (Text(policy, "source") == "server") {
      source = absl::StrCat("sent by the server, in force since ", Text(policy, "since"));
    } else if (!Text(policy, "since").empty()) {
      source = absl::StrCat("from a local file, in force since ", Text(policy, "since"));
    }
  }
  if (!std::filesystem::exists(public_dir / "policy.yaml", ec)) {
    out << ExplainPolicy(config::Policy{}, catalog, source);
    return 0;
  }
  absl::StatusOr<config::Policy> policy =
      config::LoadPolicyFile(public_dir / "policy.yaml", catalog);
  if (!policy.ok()) {
    err << "candor-agent explain: " << policy.status().message() << "\n";
    return 1;
  }
  out << ExplainPolicy(*policy, catalog, source);
  return 0;
}

int RunLedgerCommand(const LocalCommandOptions& options, const std::optional<std::string>& since,
                     std::ostream& out, std::ostream& err) {
  if (BadFormat(options, "ledger", err)) return 2;
  int64_t since_ms = std::numeric_limits<int64_t>::min();
  if (since) {
    absl::StatusOr<int64_t> parsed = config::ParseSince(*since, NowMs());
    if (!parsed.ok()) {
      err << "candor-agent ledger: " << parsed.status().message() << "\n";
      return 2;
    }
    since_ms = *parsed;
  }
  absl::StatusOr<LedgerContents> ledger =
      ReadLedger(PublicDir(options.state_dir) / "ledger", since_ms);
  if (!ledger.ok()) {
    err << "candor-agent ledger: " << ledger.status().message() << "\n";
    return 1;
  }
  if (ledger->unreadable_lines > 0) {
    err << "candor-agent ledger: " << ledger->unreadable_lines
        << " damaged line(s) in the ledger were skipped\n";
  }
  if (options.format == "json") {
    for (const LedgerEntry& entry : ledger->entries) {
      out << LedgerLine(entry.event, entry.acked_at_ms) << "\n";
    }
    return 0;
  }
  if (ledger->entries.empty()) {
    out << "No events were acknowledged by the server" << (since ? " since then" : "")
        << " (the ledger keeps them for a bounded time, see docs/operations.md).\n";
    return 0;
  }
  out << ledger->entries.size() << " event(s) sent to the server and acknowledged, oldest first:\n";
  for (const LedgerEntry& entry : ledger->entries) {
    out << "\n";
    PrintEntry(entry, out);
  }
  return 0;
}

int RunStatusCommand(const LocalCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (BadFormat(options, "status", err)) return 2;
  std::string problem;
  std::optional<nlohmann::json> status = ReadStatus(options.state_dir, problem);
  if (!status) {
    err << "candor-agent status: no status (" << problem
        << "); the agent has not run with this state_dir (see --config)\n";
    return 1;
  }
  const bool alive = Flag(*status, "running") && ProcessAlive(Number(*status, "pid"));
  if (options.format == "json") {
    (*status)["alive"] = alive;
    out << status->dump(2) << "\n";
    return alive ? 0 : 3;
  }
  out << "candor-agent " << Text(*status, "agent_version") << ": ";
  if (alive) {
    out << "running (pid " << Number(*status, "pid") << ")";
  } else if (Flag(*status, "running")) {
    out << "NOT RUNNING: it ended without stopping cleanly (pid " << Number(*status, "pid")
        << " is gone)";
  } else {
    out << "stopped";
  }
  out << "; status as of " << Text(*status, "written_at") << "\n";
  const nlohmann::json& server = Object(*status, "server");
  out << "server:    " << Text(server, "address") << ", "
      << (Flag(server, "connected") ? "connected" : "not connected");
  if (!Text(server, "since").empty()) out << " since " << Text(server, "since");
  if (!Text(server, "problem").empty()) out << " (" << Text(server, "problem") << ")";
  out << "\n";
  const nlohmann::json& policy = Object(*status, "policy");
  if (Number(policy, "version") == 0) {
    out << "policy:    none yet (waiting for one from the server)\n";
  } else {
    out << "policy:    \"" << Text(policy, "name") << "\" version " << Number(policy, "version")
        << " from the " << Text(policy, "source") << ", since " << Text(policy, "since") << "\n";
  }
  const nlohmann::json& spool = Object(*status, "spool");
  out << "spool:     " << Number(spool, "waiting_events") << " event(s) waiting ("
      << Number(spool, "bytes") << " bytes on disk), last event #" << Number(spool, "last_seq")
      << ", " << Number(spool, "dropped_since_start") << " dropped since start\n";
  const nlohmann::json& ack = Object(*status, "last_ack");
  out << "last ack:  #" << Number(ack, "seq");
  if (!Text(ack, "at").empty()) out << " at " << Text(ack, "at");
  out << "\n";
  auto checks = status->find("checks");
  if (checks != status->end() && checks->is_array() && !checks->empty()) {
    out << absl::StrFormat("\n%-32s %-26s %s\n", "CHECK", "LAST RUN (UTC)", "STATUS");
    for (const nlohmann::json& check : *checks) {
      if (!check.is_object()) continue;
      const std::string status = Text(check, "status");
      out << absl::StrFormat("%-32s %-26s %s\n", Text(check, "check"),
                             Text(check, "last_run").empty() ? "not yet" : Text(check, "last_run"),
                             status.empty() ? "-" : status);
      // Why a check is not passing for a reason of the agent's own (stopped, timed out,
      // crashed), and when a check held back will run again.
      if (status == "ERROR") out << "    " << Text(check, "reason") << "\n";
      if (!Text(check, "not_before").empty()) {
        out << "    held back until " << Text(check, "not_before")
            << " (cool-down after the watchdog stopped it or the agent died running it)\n";
      }
    }
  }
  return alive ? 0 : 3;
}

}  // namespace candor::agent
