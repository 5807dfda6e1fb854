#pragma once

#include "absl/strings/string_view.h"

namespace candor::agent {

// One line to standard error, prefixed "candor-agent: ". Never pass event payloads here.
void Log(absl::string_view line);

}  // namespace candor::agent
