#pragma once

// Limits of the wire contract that both ends enforce (docs/protocol.md).

#include <cstddef>

namespace candor::v1 {

// An EventBatch is at most this large, encoded.
inline constexpr size_t kMaxBatchBytes = 1 << 20;
// ...and holds at most this many events.
inline constexpr size_t kMaxEventsPerBatch = 1000;
// The server's receive limit for one AgentMessage: a full batch plus framing.
inline constexpr size_t kMaxMessageBytes = kMaxBatchBytes + 16 * 1024;

}  // namespace candor::v1
