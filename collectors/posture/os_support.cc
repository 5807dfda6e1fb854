#include "collectors/posture/os_support.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collectors/posture/os_release.h"
#include "config/map_reader.h"
#include "config/yaml_tree.h"

namespace candor::collectors::posture {
namespace {

constexpr int64_t kStaleTableDays = 180;

bool IsDate(const std::string& text) {
  absl::CivilDay day;
  return absl::ParseCivilTime(text, &day);
}

// Days from `date` (YYYY-MM-DD) to `now`; positive once the date has passed.
int64_t DaysSince(const std::string& date, HostView::TimePoint now) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(date, &day)) return 0;
  const absl::CivilDay today = absl::ToCivilDay(absl::FromChrono(now), absl::UTCTimeZone());
  return today - day;
}

bool EsmEnabled(const HostView& host) {
  for (const char* file : {"/etc/apt/sources.list.d/ubuntu-esm-infra.sources",
                           "/etc/apt/sources.list.d/ubuntu-esm-infra.list"}) {
    if (host.Exists(file)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<EolTable> ParseEolTable(absl::string_view text) {
  absl::StatusOr<config::YamlNode> root = config::ParseYaml(text, "os_eol.yaml");
  if (!root.ok()) return root.status();
  config::Diagnostics diag("os_eol.yaml");
  config::MapReader top(*root, "", diag);
  EolTable table;
  if (auto date = top.String("table_date", config::Presence::kRequired)) table.table_date = *date;
  if (const config::YamlNode* releases = top.Get("releases", config::Presence::kRequired)) {
    for (size_t i = 0; i < releases->items.size(); ++i) {
      config::MapReader item(releases->items[i], config::IndexPath("releases", i), diag);
      OsRelease release;
      using config::Presence;
      release.os = item.String("os", Presence::kRequired).value_or("");
      release.version = item.String("version", Presence::kRequired).value_or("");
      release.name = item.String("name", Presence::kRequired).value_or("");
      release.standard_support_until =
          item.String("standard_support_until", Presence::kRequired).value_or("");
      release.extended_support_until =
          item.String("extended_support_until", Presence::kRequired).value_or("");
      release.esm = item.Bool("esm", Presence::kOptional).value_or(false);
      item.Finish();
      if (!IsDate(release.standard_support_until) || !IsDate(release.extended_support_until)) {
        diag.Error(releases->items[i].pos, config::IndexPath("releases", i),
                   "dates must be YYYY-MM-DD");
      }
      table.releases.push_back(std::move(release));
    }
  }
  top.Finish();
  if (!IsDate(table.table_date)) diag.Error({}, "table_date", "expected YYYY-MM-DD");
  if (!diag.ok()) return diag.ToStatus();
  return table;
}

OsSupport::OsSupport(absl::string_view table) : table_(ParseEolTable(table)) {}

const config::CollectorSpec& OsSupport::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "os_support",
      .description = "Whether the operating system release still receives security updates.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"operating system version"},
      .params = {{.name = "allow_extended_support",
                  .type = config::ParamType::kBool,
                  .description = "Whether extended support (Debian LTS, Ubuntu ESM) is enough.",
                  .default_value = true}},
  };
  return kSpec;
}

CheckResult OsSupport::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  if (!table_.ok()) {
    result.status = CheckStatus::kError;
    result.reason = absl::StrCat("the end-of-life table is unusable: ", table_.status().message());
    return result;
  }
  absl::StatusOr<std::map<std::string, std::string>> os_release = ReadOsRelease(host);
  if (!os_release.ok()) {
    result.status = CheckStatus::kError;
    result.reason = std::string(os_release.status().message());
    return result;
  }
  const std::map<std::string, std::string>& fields = *os_release;
  const std::string id = fields.count("ID") ? fields.at("ID") : "";
  const std::string version = fields.count("VERSION_ID") ? fields.at("VERSION_ID") : "";
  result.facts["os_id"] = id;
  result.facts["os_version_id"] = version;
  result.facts["table_date"] = table_->table_date;
  const bool stale = DaysSince(table_->table_date, host.Now()) > kStaleTableDays;
  result.facts["table_stale"] = stale;
  const std::string note = stale ? absl::StrCat(" (the end-of-life table from ", table_->table_date,
                                                " is over 6 months old: update the agent)")
                                 : "";

  const OsRelease* release = nullptr;
  for (const OsRelease& candidate : table_->releases) {
    if (candidate.os == id && candidate.version == version) release = &candidate;
  }
  if (release == nullptr) {
    result.status = CheckStatus::kNotApplicable;
    result.reason =
        absl::StrCat(id.empty() ? "this OS" : absl::StrCat(id, " ", version),
                     " is not in the end-of-life table (from ", table_->table_date, ")");
    return result;
  }
  result.facts["standard_support_until"] = release->standard_support_until;
  result.facts["extended_support_until"] = release->extended_support_until;
  const HostView::TimePoint now = host.Now();
  const bool standard = DaysSince(release->standard_support_until, now) <= 0;
  const bool extended =
      DaysSince(release->extended_support_until, now) <= 0 && (!release->esm || EsmEnabled(host));
  if (standard) {
    result.facts["phase"] = std::string("standard");
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat(release->name, " has security support until ",
                                 release->standard_support_until, note);
  } else if (extended) {
    result.facts["phase"] = std::string("extended");
    const bool allowed = std::get<bool>(params.at("allow_extended_support"));
    result.status = allowed ? CheckStatus::kPass : CheckStatus::kFail;
    result.reason = absl::StrCat(release->name, " is in extended support (",
                                 release->esm ? "Ubuntu ESM" : "LTS", ") until ",
                                 release->extended_support_until,
                                 allowed ? "" : ", which this policy does not accept", note);
  } else {
    result.facts["phase"] = std::string("ended");
    result.status = CheckStatus::kFail;
    const bool esm_missing = release->esm && DaysSince(release->extended_support_until, now) <= 0;
    result.reason =
        esm_missing ? absl::StrCat(release->name, ": standard support ended ",
                                   release->standard_support_until, " and ESM is not enabled", note)
                    : absl::StrCat(release->name, " no longer gets security updates (since ",
                                   release->extended_support_until, ")", note);
  }
  return result;
}

}  // namespace candor::collectors::posture
