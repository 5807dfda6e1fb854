#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// secure_boot: whether UEFI Secure Boot is on. PASS enabled; FAIL disabled, or firmware in
// setup mode (no keys enrolled, so nothing is verified); NOT_APPLICABLE on legacy BIOS.
// Facts: uefi, secure_boot, setup_mode.
class SecureBoot final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
