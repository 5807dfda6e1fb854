#pragma once

// Limits of the wire contract that both ends enforce (docs/protocol.md).

#include <cstddef>

namespace candor::v1 {

// An EventBatch is at most this large, encoded.
inline constexpr size_t kMaxBatchBytes = 1 << 20;
// ...and holds at most this many events.
inline constexpr size_t kMaxEventsPerBatch = 1000;
// One event, encoded, must fit in a batch with the batch's own fields around it; the
// agent replaces a larger one by an ERROR event.
inline constexpr size_t kMaxEventBytes = kMaxBatchBytes - 64;
// The server's receive limit for one AgentMessage: a full batch plus framing.
inline constexpr size_t kMaxMessageBytes = kMaxBatchBytes + 16 * 1024;

// HTTP/2 keepalive. The agent pings after this long without traffic on a call and gives
// the link up when no answer comes within the timeout: a dead link is found within
// 50 seconds.
inline constexpr int kAgentKeepaliveTimeMs = 30'000;
inline constexpr int kAgentKeepaliveTimeoutMs = 20'000;
// The server accepts pings this often; more often counts as a strike (too_many_pings).
inline constexpr int kServerMinPingIntervalMs = 20'000;
static_assert(kAgentKeepaliveTimeMs > kServerMinPingIntervalMs,
              "the server must accept the agent's keepalive pings");
// The server's own pings find agents that vanished without closing their stream.
inline constexpr int kServerKeepaliveTimeMs = 60'000;
inline constexpr int kServerKeepaliveTimeoutMs = 20'000;

}  // namespace candor::v1
