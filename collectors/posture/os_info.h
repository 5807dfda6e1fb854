#pragma once

#include "absl/strings/string_view.h"
#include "collectors/collector.h"

namespace candor::collectors::posture {

// os_info: which operating system and kernel the device runs. Informational: PASS whenever
// the facts could be read, ERROR (with the reason) when /etc/os-release cannot be.
// Facts: os_id, os_version_id, os_codename, os_name, kernel_release, architecture, hostname.
class OsInfo final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
