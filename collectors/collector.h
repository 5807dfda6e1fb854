#pragma once

// The Collector interface: one kind of posture check, run against a HostView.
//
// Collectors report facts about the device, never about the person (docs/architecture.md):
// a verdict, a one-line reason, and the few typed facts that justify it.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "collectors/host_view.h"
#include "config/catalog.h"

namespace candor::collectors {

enum class CheckStatus { kPass, kFail, kNotApplicable, kError };

using FactValue = std::variant<std::string, int64_t, bool, double, std::vector<std::string>>;
using Facts = std::map<std::string, FactValue>;

struct CheckResult {
  CheckStatus status = CheckStatus::kError;
  std::string reason;  // one line a person understands
  Facts facts;
};

absl::string_view StatusName(CheckStatus status);  // "PASS", "FAIL", ...

// Implementations are stateless after construction and must be safe to call from several
// threads at once. Collect() never throws; problems become an ERROR result with a reason.
class Collector {
 public:
  virtual ~Collector() = default;

  // What the policy language knows about this collector: id, platforms, data categories,
  // typed parameters with their bounds and defaults.
  virtual const config::CollectorSpec& spec() const = 0;

  // `params` holds every declared parameter (the policy loader fills in defaults).
  virtual CheckResult Collect(const HostView& host, const config::Params& params) const = 0;

  const std::string& id() const { return spec().id; }
};

}  // namespace candor::collectors
