#include "collectors/posture/os_info.h"

#include "absl/strings/str_cat.h"
#include "collectors/posture/os_release.h"

namespace candor::collectors::posture {
namespace {

void PutIfPresent(const std::map<std::string, std::string>& fields, const std::string& key,
                  const char* fact, Facts& facts) {
  if (auto it = fields.find(key); it != fields.end() && !it->second.empty()) {
    facts[fact] = it->second;
  }
}

}  // namespace

const config::CollectorSpec& OsInfo::spec() const {
  static const config::CollectorSpec kSpec{
      .id = "os_info",
      .description =
          "Operating system name and version, kernel release, architecture and host name.",
      .platforms = {config::Platform::kLinux},
      .data_categories = {"operating system and kernel version", "device host name"},
      .params = {},
  };
  return kSpec;
}

CheckResult OsInfo::Collect(const HostView& host, const config::Params&) const {
  CheckResult result;
  absl::StatusOr<std::map<std::string, std::string>> release = ReadOsRelease(host);
  if (!release.ok()) {
    result.status = CheckStatus::kError;
    result.reason = std::string(release.status().message());
    return result;
  }
  const std::map<std::string, std::string>& fields = *release;
  PutIfPresent(fields, "ID", "os_id", result.facts);
  PutIfPresent(fields, "VERSION_ID", "os_version_id", result.facts);
  PutIfPresent(fields, "VERSION_CODENAME", "os_codename", result.facts);
  PutIfPresent(fields, "PRETTY_NAME", "os_name", result.facts);

  std::string kernel = "unknown";
  if (auto release = host.ReadLine("/proc/sys/kernel/osrelease"); release.ok()) {
    kernel = *release;
    result.facts["kernel_release"] = *release;
  }
  std::string arch = "unknown architecture";
  if (auto machine = host.MachineArchitecture(); machine.ok()) {
    arch = *machine;
    result.facts["architecture"] = *machine;
  }
  if (auto hostname = host.ReadLine("/proc/sys/kernel/hostname"); hostname.ok()) {
    result.facts["hostname"] = *hostname;
  }

  auto it = fields.find("PRETTY_NAME");
  if (it == fields.end()) it = fields.find("NAME");
  if (it == fields.end() || fields.find("ID") == fields.end()) {
    result.status = CheckStatus::kError;
    result.reason = "the OS release file names no operating system (no ID or NAME)";
    return result;
  }
  result.status = CheckStatus::kPass;
  result.reason = absl::StrCat(it->second, ", kernel ", kernel, ", ", arch);
  return result;
}

}  // namespace candor::collectors::posture
