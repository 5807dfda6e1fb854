#pragma once

#include "collectors/collector.h"

namespace candor::collectors::posture {

// antivirus: a known antivirus or EDR engine is running, and where the engine keeps
// signatures on disk, they are fresh. ClamAV counts only with its daemon (clamd; an
// on-demand scanner protects nothing) and its daily database younger than
// max_signature_age (from the database header's build time). Microsoft Defender for
// Endpoint (wdavdaemon) and CrowdStrike Falcon (falcon-sensor) count when running; their
// signatures are not read. Facts: engine, signature_age_hours.
class Antivirus final : public Collector {
 public:
  const config::CollectorSpec& spec() const override;
  CheckResult Collect(const HostView& host, const config::Params& params) const override;
};

}  // namespace candor::collectors::posture
