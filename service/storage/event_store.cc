#include "service/storage/event_store.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "service/facts_json.h"

namespace candor::service {

PreparedBatch PrepareBatch(v1::EventBatch batch) {
  PreparedBatch prepared;
  prepared.facts_json.reserve(static_cast<size_t>(batch.events_size()));
  for (const v1::Event& event : batch.events()) prepared.facts_json.push_back(FactsToJson(event));
  prepared.batch = std::move(batch);
  return prepared;
}

std::vector<LatestOfCheck> LatestPerCheck(absl::Span<const EventStore::BatchToStore> batches) {
  std::vector<LatestOfCheck> latest;
  absl::flat_hash_map<std::pair<absl::string_view, absl::string_view>, size_t> index;
  for (const EventStore::BatchToStore& item : batches) {
    for (const v1::Event& event : item.prepared->batch.events()) {
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
