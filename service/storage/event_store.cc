#include "service/storage/event_store.h"

#include "service/facts_json.h"

namespace candor::service {

PreparedBatch PrepareBatch(v1::EventBatch batch) {
  PreparedBatch prepared;
  prepared.facts_json.reserve(static_cast<size_t>(batch.events_size()));
  for (const v1::Event& event : batch.events()) prepared.facts_json.push_back(FactsToJson(event));
  prepared.batch = std::move(batch);
  return prepared;
}

}  // namespace candor::service
