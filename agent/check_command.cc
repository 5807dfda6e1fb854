#include "agent/check_command.h"

#include <algorithm>
#include <type_traits>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/scheduler.h"
#include "agent/wake_timer.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/thread_pool.hpp"
#include "collectors/builtin.h"
#include "nlohmann/json.hpp"

namespace candor::agent {
namespace {

struct Outcome {
  config::CheckSpec check;
  collectors::CheckResult result;
};

// Without a policy: one check per collector that runs here, with its default parameters.
config::Policy DefaultPolicy(const config::CollectorCatalog& catalog) {
  config::Policy policy;
  policy.name = "all collectors, default parameters";
  for (const config::CollectorSpec& spec : catalog.specs()) {
    config::CheckSpec check;
    check.id = spec.id;
    check.collector = spec.id;
    check.interval = config::kMaxInterval;
    check.timeout = config::kDefaultTimeout;
    check.platforms = spec.platforms;
    for (const config::ParamSpec& param : spec.params)
      check.params[param.name] = param.default_value;
    policy.checks.push_back(std::move(check));
  }
  return policy;
}

nlohmann::json FactsJson(const collectors::Facts& facts) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : facts) {
    std::visit([&, &key = key](const auto& v) { object[key] = v; }, value);
  }
  return object;
}

void PrintJson(const config::Policy& policy, bool from_file, const CheckOptions& options,
               const std::vector<Outcome>& outcomes, std::ostream& out) {
  nlohmann::ordered_json doc;
  doc["host_root"] = options.host_root.string();
  if (from_file) {
    doc["policy"] = {{"name", policy.name}, {"version", policy.version}};
  } else {
    doc["policy"] = nullptr;
  }
  doc["results"] = nlohmann::json::array();
  for (const Outcome& o : outcomes) {
    nlohmann::ordered_json item;
    item["check"] = o.check.id;
    item["collector"] = o.check.collector;
    item["severity"] = config::SeverityName(o.check.severity);
    item["status"] = collectors::StatusName(o.result.status);
    item["reason"] = o.result.reason;
    item["facts"] = FactsJson(o.result.facts);
    doc["results"].push_back(std::move(item));
  }
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// Splits `text` into lines of at most `width` bytes, at spaces where it can.
std::vector<std::string> Wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (text.size() - start > width) {
    size_t cut = text.rfind(' ', start + width);
    if (cut == std::string::npos || cut <= start) cut = start + width;
    lines.push_back(text.substr(start, cut - start));
    start = cut < text.size() && text[cut] == ' ' ? cut + 1 : cut;
  }
  lines.push_back(text.substr(start));
  return lines;
}

void PrintTable(const std::vector<Outcome>& outcomes, std::ostream& out) {
  // Fits a 100-column terminal; long reasons wrap onto the following lines.
  constexpr size_t kReasonWidth = 51;
  out << absl::StrFormat("%-16s %-16s %-14s %s\n", "CHECK", "COLLECTOR", "STATUS", "REASON");
  for (const Outcome& o : outcomes) {
    const std::vector<std::string> reason = Wrap(o.result.reason, kReasonWidth);
    out << absl::StrFormat("%-16s %-16s %-14s %s\n", o.check.id.substr(0, 16),
                           o.check.collector.substr(0, 16), collectors::StatusName(o.result.status),
                           reason.front());
    for (size_t i = 1; i < reason.size(); ++i) out << std::string(49, ' ') << reason[i] << "\n";
  }
}

}  // namespace

int RunCheckCommand(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  if (options.format != "table" && options.format != "json") {
    err << "candor-agent check: --format: expected table or json, got \"" << options.format
        << "\"\n";
    return 2;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(options.host_root, ec)) {
    err << "candor-agent check: --host-root: " << options.host_root.string()
        << " is not a directory\n";
    return 2;
  }
  collectors::CollectorRegistry registry;
  collectors::RegisterBuiltins(registry);
  config::Policy policy = DefaultPolicy(registry.Catalog());
  if (options.policy) {
    absl::StatusOr<config::Policy> loaded =
        config::LoadPolicyFile(*options.policy, registry.Catalog());
    if (!loaded.ok()) {
      err << loaded.status().message() << "\n";
      return 1;
    }
    policy = std::move(*loaded);
  }
  if (!options.only.empty()) {
    std::vector<std::string> ids;
    for (const config::CheckSpec& check : policy.checks) ids.push_back(check.id);
    for (const std::string& id : options.only) {
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        err << "candor-agent check: --only: no check \"" << id << "\"; checks are "
            << absl::StrJoin(ids, ", ") << "\n";
        return 1;
      }
    }
    std::erase_if(policy.checks, [&](const config::CheckSpec& check) {
      return std::find(options.only.begin(), options.only.end(), check.id) == options.only.end();
    });
  }

  const collectors::HostView host(options.host_root);
  const SystemClock clock;
  boost::asio::io_context io;
  // Owned here, but left behind if a collector is stuck past its timeout: its thread
  // cannot be interrupted and the command is about to exit anyway.
  auto* pool = new boost::asio::thread_pool(2);
  std::unique_ptr<WakeTimer> timer = MakeSystemWakeTimer(io);
  std::vector<Outcome> outcomes;
  Scheduler scheduler(
      io, clock, *timer, *pool, registry, host,
      [&](const config::CheckSpec& check, const collectors::CheckResult& result, Clock::TimePoint,
          uint64_t) {
        outcomes.push_back({check, result});
      },
      0);
  scheduler.RunAllOnce(std::make_shared<const config::Policy>(policy), [&io] { io.stop(); });
  io.run();
  // Report in policy order, whatever order the checks finished in.
  std::vector<Outcome> ordered;
  for (const config::CheckSpec& check : policy.checks) {
    for (Outcome& o : outcomes) {
      if (o.check.id == check.id) ordered.push_back(std::move(o));
    }
  }
  if (options.format == "json") {
    PrintJson(policy, options.policy.has_value(), options, ordered, out);
  } else {
    PrintTable(ordered, out);
  }
  out.flush();
  scheduler.Stop();
  if (scheduler.running() == 0) delete pool;
  return 0;
}

}  // namespace candor::agent
