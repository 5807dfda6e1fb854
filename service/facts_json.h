#pragma once

#include <string>

#include "candor/v1/events.pb.h"

namespace candor::service {

// The facts of an event as a compact JSON object: {"os_id":"debian","uid":1000,...}.
// Keys are sorted; strings are valid UTF-8 (the server validated them on ingest).
std::string FactsToJson(const v1::Event& event);

}  // namespace candor::service
