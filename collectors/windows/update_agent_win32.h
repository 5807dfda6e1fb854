#pragma once

// The Windows Update Agent (COM IUpdateSession / IUpdateSearcher) as an UpdateView.
// Windows only. A search can take minutes; the agent runs it on its collector pool with
// the check's timeout. Each call initializes COM for its own duration on the calling
// thread.

#include "collectors/windows/update_logic.h"

namespace candor::collectors::windows {

class Win32UpdateAgent final : public UpdateView {
 public:
  std::optional<std::vector<WindowsUpdate>> PendingUpdates() const override;
};

}  // namespace candor::collectors::windows
