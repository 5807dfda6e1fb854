#pragma once

#include "absl/strings/string_view.h"
#include "collectors/collector.h"

namespace candor::collectors::posture {

// os_info: which operating system and kernel the device runs. Informational: PASS whenever
// the facts could be read, ERROR (with the reason) when /etc/os-release cannot be.
// Facts: os_id, os_version_id, os_codename, os_name, kernel_release, architecture, hostname.
class OsInfo final : public Collector {
 public:
  absl::string_view id() const override { return "os_info"; }
  absl::string_view description() const override {
    return "Operating system name and version, kernel release, architecture and host name.";
  }
  CheckResult Collect(const HostView& host) const override;
};

}  // namespace candor::collectors::posture
