#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collectors/collector.h"

namespace candor::collectors::posture {

// One release in the end-of-life table (config/os_eol.yaml).
struct OsRelease {
  std::string os;       // os-release ID
  std::string version;  // os-release VERSION_ID
  std::string name;
  std::string standard_support_until;  // YYYY-MM-DD, last day with security support
  std::string extended_support_until;  // end of paid or volunteer extended support
  bool esm = false;  // extended support needs Ubuntu Pro's ESM repositories enabled
};

struct EolTable {
  std::string table_date;  // when the dates were last checked
  std::vector<OsRelease> releases;
};

// Parses the table (strict YAML; see config/os_eol.yaml).
absl::StatusOr<EolTable> ParseEolTable(absl::string_view text);

// os_support: the operating system release still gets security updates. PASS in standard
// support; in extended support (Debian LTS; Ubuntu ESM when enabled) PASS unless
// allow_extended_support is false; FAIL once support has ended. NOT_APPLICABLE for a
// release the table does not list. The table's age is reported, with a warning in the
// reason once it is over 180 days old. Facts: os_id, os_version_id, phase,
// standard_support_until, extended_support_until, table_date, table_stale.
class OsSupport final : public Collector {
 public:
  // `table` is config/os_eol.yaml's text (compiled into the agent).
  explicit OsSupport(absl::string_view table);
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;

 private:
  absl::StatusOr<EolTable> table_;
};

}  // namespace candor::collectors::posture
