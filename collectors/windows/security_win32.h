#pragma once

// The firewall service (INetFwPolicy2), BitLocker (WMI Win32_EncryptableVolume), Windows
// Security Center (WMI AntiVirusProduct) and the local Administrators group (NetAPI), for
// the posture logic. Windows only.
// Each call initializes COM for its own duration on the calling thread.

#include "collectors/windows/views.h"

namespace candor::collectors::windows {

class Win32Security final : public SecurityView {
 public:
  std::optional<FirewallProfileState> Firewall(FirewallProfile profile) const override;
  std::optional<std::vector<BitLockerVolume>> BitLockerVolumes() const override;
  std::optional<std::vector<AntivirusProduct>> AntivirusProducts() const override;
  std::optional<std::vector<std::string>> LocalAdministrators() const override;
};

}  // namespace candor::collectors::windows
