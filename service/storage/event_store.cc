#include "service/storage/event_store.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "service/facts_json.h"

namespace candor::service {

std::unique_ptr<google::protobuf::Arena> NewBatchArena() {
  google::protobuf::ArenaOptions options;
  // An idle stream holds one such arena waiting for its next message: the first block is
  // small (protobuf's default); blocks double from there for a batch.
  options.start_block_size = 256;
  options.max_block_size = 32 * 1024;
  return std::make_unique<google::protobuf::Arena>(options);
}

PreparedBatch PrepareBatch(std::unique_ptr<google::protobuf::Arena> arena, v1::EventBatch* batch) {
  PreparedBatch prepared;
  prepared.facts_json.reserve(static_cast<size_t>(batch->events_size()));
  for (const v1::Event& event : batch->events()) {
    prepared.facts_json.push_back(FactsToJson(event));
  }
  prepared.arena = std::move(arena);
  prepared.batch = batch;
  return prepared;
}

PreparedBatch PrepareBatch(v1::EventBatch batch) {
  std::unique_ptr<google::protobuf::Arena> arena = NewBatchArena();
  // Moved, not copied: the arena only owns (and deletes) this heap message.
  auto* owned = new v1::EventBatch(std::move(batch));
  arena->Own(owned);
  return PrepareBatch(std::move(arena), owned);
}

std::vector<LatestOfCheck> LatestPerCheck(absl::Span<const EventStore::BatchToStore> batches) {
  size_t events = 0;
  for (const EventStore::BatchToStore& item : batches) {
    events += static_cast<size_t>(item.prepared->batch->events_size());
  }
  std::vector<LatestOfCheck> latest;
  latest.reserve(events);
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, size_t> index;
  index.reserve(events);  // one allocation, not a rehash every doubling
  for (const EventStore::BatchToStore& item : batches) {
    for (const v1::Event& event : item.prepared->batch->events()) {
      if (event.collector() == "agent") continue;
      const auto [it, inserted] =
          index.try_emplace({item.device->device_id, event.check_id()}, latest.size());
      if (inserted) {
        latest.push_back({item.device, &event});
      } else if (event.seq() > latest[it->second].event->seq()) {
        latest[it->second].event = &event;
      }
    }
  }
  return latest;
}

int64_t TimestampMillis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

}  // namespace candor::service
