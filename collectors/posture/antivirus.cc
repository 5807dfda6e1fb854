#include "collectors/posture/antivirus.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "collectors/processes.h"

namespace candor::collectors::posture {
namespace {

struct Engine {
  const char* process;  // /proc/PID/comm
  const char* name;
  bool clamav;
};

constexpr Engine kEngines[] = {
    {"clamd", "ClamAV", true},
    {"wdavdaemon", "Microsoft Defender", false},
    {"falcon-sensor", "CrowdStrike Falcon", false},
};

// The build time of ClamAV's daily database: its 512-byte header reads
// "ClamAV-VDB:date:version:signatures:level:md5:dsig:builder:seconds".
absl::StatusOr<int64_t> ClamAvBuildTime(const HostView& host) {
  for (const char* file : {"/var/lib/clamav/daily.cld", "/var/lib/clamav/daily.cvd"}) {
    // The database is tens of megabytes; only its 512-byte header is needed.
    absl::StatusOr<std::string> data = host.ReadPrefix(file, 512);
    if (absl::IsNotFound(data.status())) continue;
    if (!data.ok()) return data.status();
    const std::string& header = *data;
    const std::vector<absl::string_view> fields = absl::StrSplit(header, ':');
    int64_t seconds = 0;
    if (!absl::StartsWith(header, "ClamAV-VDB:") || fields.size() < 9 ||
        !absl::SimpleAtoi(absl::StripAsciiWhitespace(fields[8]), &seconds)) {
      return absl::DataLossError(absl::StrCat(file, " has no readable header"));
    }
    return seconds;
  }
  return absl::NotFoundError("no daily signature database in /var/lib/clamav");
}

}  // namespace

const config::CollectorSpec& Antivirus::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "antivirus",
      .description = "Whether a known antivirus or EDR engine runs with fresh signatures.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"names of security software running", "age of virus signatures"},
      .params = {{.name = "max_signature_age",
                  .type = config::ParamType::kDuration,
                  .description = "Oldest acceptable signature database.",
                  .default_value = std::chrono::seconds(3 * 86400),
                  .min = 3600,
                  .max = 30 * 86400}},
  };
  return kSpec;
}

CheckResult Antivirus::Collect(const HostView& host, const config::Params& params) const {
  CheckResult result;
  const std::set<std::string> running = RunningProcessNames(host);
  const Engine* engine = nullptr;
  for (const Engine& candidate : kEngines) {
    if (running.count(candidate.process) != 0) {
      engine = &candidate;
      break;
    }
  }
  if (engine == nullptr) {
    result.status = CheckStatus::kFail;
    result.reason =
        "no known antivirus or EDR is running (looked for ClamAV's clamd, "
        "Microsoft Defender, CrowdStrike Falcon)";
    return result;
  }
  result.facts["engine"] = std::string(engine->name);
  if (!engine->clamav) {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat(engine->name, " is running");
    return result;
  }
  absl::StatusOr<int64_t> built = ClamAvBuildTime(host);
  if (!built.ok()) {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat("ClamAV is running but its signatures cannot be dated: ",
                                 built.status().message());
    return result;
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(host.Now().time_since_epoch()).count();
  const int64_t age = std::max<int64_t>(0, now - *built);
  const auto limit = std::get<std::chrono::seconds>(params.at("max_signature_age"));
  result.facts["signature_age_hours"] = age / 3600;
  auto days = [](int64_t s) {
    return s >= 2 * 86400 ? absl::StrCat(s / 86400, " days") : absl::StrCat(s / 3600, " hours");
  };
  if (age > limit.count()) {
    result.status = CheckStatus::kFail;
    result.reason = absl::StrCat("ClamAV is running but its signatures are ", days(age),
                                 " old (limit ", days(limit.count()), ")");
  } else {
    result.status = CheckStatus::kPass;
    result.reason = absl::StrCat("ClamAV is running; signatures are ", days(age), " old");
  }
  return result;
}

}  // namespace candor::collectors::posture
