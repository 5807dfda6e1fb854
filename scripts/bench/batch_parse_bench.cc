// What a stream's thread spends on one batch before the writer gets it, and what freeing it
// costs after the commit: parsing a 50-event batch (typical events, 5 facts each) off the
// wire, preparing it (validation, facts JSON) and destroying it. Side by side, in one run:
// the message on the heap, as the server parsed it until 2026-11-26, and on its own arena
// (service/storage/event_store.h, NewBatchArena), as it does now.
//
// Usage: bench_batch_parse [--benchmark_repetitions=N ...] (Google Benchmark's flags)

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "candor/v1/agent_service.pb.h"
#include "scripts/bench/typical_event.h"
#include "service/facts_json.h"
#include "service/storage/event_store.h"

namespace {

namespace cs = candor::service;
namespace v1 = candor::v1;

constexpr int kEvents = 50;

// An AgentMessage carrying a batch, encoded as the agent sends it.
std::string EncodedBatch() {
  v1::AgentMessage message;
  v1::EventBatch* batch = message.mutable_batch();
  batch->set_first_seq(1);
  batch->set_last_seq(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    v1::Event* event = batch->add_events();
    *event = candor::bench::TypicalEvent(absl::StrCat("check_", i));
    event->set_seq(static_cast<uint64_t>(i + 1));
  }
  return message.SerializeAsString();
}

void OnTheHeap(benchmark::State& state) {
  const std::string wire = EncodedBatch();
  for (auto _ : state) {
    auto message = std::make_unique<v1::AgentMessage>();
    if (!message->ParseFromString(wire)) state.SkipWithError("parse");
    // What the server did: move the batch out of the message, compute the facts JSON.
    std::vector<std::string> facts;
    facts.reserve(kEvents);
    v1::EventBatch batch = std::move(*message->mutable_batch());
    for (const v1::Event& event : batch.events()) facts.push_back(cs::FactsToJson(event));
    benchmark::DoNotOptimize(facts.data());
    message.reset();
    v1::EventBatch{}.Swap(&batch);  // freed, as after the commit
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(OnTheHeap);

void OnAnArena(benchmark::State& state) {
  const std::string wire = EncodedBatch();
  for (auto _ : state) {
    std::unique_ptr<google::protobuf::Arena> arena = cs::NewBatchArena();
    auto* message = google::protobuf::Arena::CreateMessage<v1::AgentMessage>(arena.get());
    if (!message->ParseFromString(wire)) state.SkipWithError("parse");
    cs::PreparedBatch prepared = cs::PrepareBatch(std::move(arena), message->mutable_batch());
    benchmark::DoNotOptimize(prepared.facts_json.data());
    prepared = cs::PreparedBatch{};  // freed, as after the commit
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(OnAnArena);

}  // namespace

BENCHMARK_MAIN();
