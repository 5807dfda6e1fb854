#pragma once

// One line to standard error per server event, prefixed "candor-server: ", with the level
// the journal records when the server runs under systemd (config/log_line.h). Never pass
// event payloads here: logs name devices, peers and reasons, not what a device reported.
// Thread-safe.

#include "absl/strings/string_view.h"

namespace candor::service {

void Log(absl::string_view line);
void LogWarning(absl::string_view line);
void LogError(absl::string_view line);

}  // namespace candor::service
