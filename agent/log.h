#pragma once

// The agent's log: one line to standard error, prefixed "candor-agent: ", with the level
// the journal records when the agent runs under systemd (config/log_line.h). Never pass
// event payloads here: lines name checks, seqs, peers and reasons, not what a check found.
// Thread-safe.

#include "absl/strings/string_view.h"

namespace candor::agent {

// Routine news: started, policy applied, stopped.
void Log(absl::string_view line);
// Degraded but working: cannot deliver for now, a policy refused, a ledger not written.
void LogWarning(absl::string_view line);
// The agent cannot run or lost something: a bad config, an event not stored.
void LogError(absl::string_view line);

}  // namespace candor::agent
