#pragma once

// JSON text written directly, for the few hot paths that build JSON lines by hand (the
// server's facts column, the agent's ledger) instead of through a JSON library.

#include <string>

#include "absl/strings/string_view.h"

namespace candor::config {

// Appends `text` as a JSON string, quotes included. `text` must be valid UTF-8 (both
// callers' text is: the agent repairs it, the server's ingest checks it), so only quotes,
// backslashes and control characters are escaped: \n, \t and \r by name, the others as
// \u00XX.
void AppendJsonString(std::string& out, absl::string_view text);

}  // namespace candor::config
