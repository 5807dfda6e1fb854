#pragma once

// One line to standard error per server event. Never pass event payloads here: logs name
// devices, peers and reasons, not what a device reported.

#include "absl/strings/string_view.h"

namespace candor::service {

void Log(absl::string_view line);

}  // namespace candor::service
