#pragma once

// The live Windows registry (the 64-bit view), for the posture logic. Windows only.

#include "collectors/windows/views.h"

namespace candor::collectors::windows {

class Win32Registry final : public RegistryView {
 public:
  std::optional<uint32_t> Dword(Hive hive, const std::string& key,
                                const std::string& value) const override;
  std::optional<std::string> String(Hive hive, const std::string& key,
                                    const std::string& value) const override;
  bool KeyExists(Hive hive, const std::string& key) const override;
  std::vector<std::string> SubKeys(Hive hive, const std::string& key) const override;
};

}  // namespace candor::collectors::windows
