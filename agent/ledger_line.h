#pragma once

// One line of the agent's ledger (ledger.h): {"acked_at":"<RFC 3339>","event":{...}}, the
// event in protobuf's JSON mapping of candor.v1.Event (proto field names, every scalar
// printed, 64-bit integers as strings, enums by name, the timestamp in RFC 3339).
//
// The line is written directly rather than through protobuf's JSON printer, which costs
// about 20 us per event (reflection); ledger_line_test.cc checks it against that printer
// field by field, so the two cannot drift apart. Reading goes through protobuf's parser.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "candor/v1/events.pb.h"

namespace candor::agent {

struct LedgerEntry {
  int64_t acked_at_ms = 0;
  v1::Event event;
};

// Without the newline. The event's strings must be valid UTF-8 (BuildEvent makes them so;
// the spool cannot hold anything else).
std::string LedgerLine(const v1::Event& event, int64_t acked_at_ms);
// kInvalidArgument for anything but a ledger line.
absl::StatusOr<LedgerEntry> ParseLedgerLine(absl::string_view line);

}  // namespace candor::agent
