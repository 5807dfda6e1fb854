#pragma once

// What the Windows posture logic reads, behind interfaces: the registry, and the few facts
// only COM and WMI give (the firewall's effective state, BitLocker, Security Center). The
// logic (posture_logic.h) is plain C++ so it is unit-tested on Linux with fakes; the
// Win32 adapters (registry_win32.cc, security_win32.cc) compile with mingw-w64.
// Implementations must be safe to call from several threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace candor::collectors::windows {

enum class Hive { kLocalMachine, kUsers };

class RegistryView {
 public:
  virtual ~RegistryView() = default;
  // nullopt when the key or value is missing or of another type. Strings are UTF-8.
  virtual std::optional<uint32_t> Dword(Hive hive, const std::string& key,
                                        const std::string& value) const = 0;
  virtual std::optional<std::string> String(Hive hive, const std::string& key,
                                            const std::string& value) const = 0;
  virtual bool KeyExists(Hive hive, const std::string& key) const = 0;
  virtual std::vector<std::string> SubKeys(Hive hive, const std::string& key) const = 0;
};

enum class FirewallProfile { kDomain, kPrivate, kPublic };

struct FirewallProfileState {
  bool enabled = false;
  bool inbound_blocked = false;  // DefaultInboundAction is block
};

struct BitLockerVolume {
  std::string drive;          // "C:"
  bool os_volume = false;     // VolumeType 0
  int protection_status = 2;  // 0 off, 1 on, 2 unknown (locked)
};

struct AntivirusProduct {
  std::string name;
  uint32_t product_state = 0;  // Security Center's bit field
};

class SecurityView {
 public:
  virtual ~SecurityView() = default;
  // INetFwPolicy2's effective state; nullopt when the firewall service cannot be asked.
  virtual std::optional<FirewallProfileState> Firewall(FirewallProfile profile) const = 0;
  // Win32_EncryptableVolume; nullopt when the WMI namespace is unavailable.
  virtual std::optional<std::vector<BitLockerVolume>> BitLockerVolumes() const = 0;
  // root\SecurityCenter2 AntiVirusProduct; nullopt when Security Center cannot be asked.
  virtual std::optional<std::vector<AntivirusProduct>> AntivirusProducts() const = 0;
  // Members of the local Administrators group, found by its well-known SID S-1-5-32-544
  // (never by its localized name), as "DOMAIN\name"; nullopt when they cannot be listed.
  virtual std::optional<std::vector<std::string>> LocalAdministrators() const = 0;
};

}  // namespace candor::collectors::windows
