// The spool against a simple in-memory model, under random appends, syncs, acks, crashes
// (power loss: unsynced data lost or torn, directory changes undone), full disks and
// failing syncs, on the fault-injection layer of fault_files.h. After every step that
// makes data durable the spool must hold exactly what the model says.

#include <limits>
#include <map>
#include <random>
#include <set>

#include "agent/spool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/agent/fault_files.h"

namespace candor::agent {
namespace {

using candor::testing::Disk;
using candor::testing::FaultFiles;

v1::Event Event(const std::string& id, size_t reason_bytes) {
  v1::Event event;
  event.set_collector("model");
  event.set_check_id(id);
  event.set_status(v1::CHECK_STATUS_PASS);
  event.set_reason(std::string(reason_bytes, 'x'));
  event.mutable_observed_at()->set_seconds(1'790'000'000);
  return event;
}

bool IsNotice(const v1::Event& e) { return e.collector() == "agent"; }

class Model {
 public:
  // `ack_percent`: how often a step sends and acks (rarely: an offline laptop).
  Model(uint64_t seed, Spool::Options options, int ack_percent = 15)
      : rng_(seed), options_(options), ack_percent_(ack_percent) {
    disk_ = std::make_shared<Disk>();
    Reopen();
  }

  void Run(int steps) {
    for (int step = 0; step < steps && !::testing::Test::HasFatalFailure(); ++step) {
      SCOPED_TRACE(::testing::Message() << "step " << step);
      const int op = std::uniform_int_distribution<int>(0, 99)(rng_);
      if (op < 55) {
        Append();
      } else if (op < 70) {
        Sync();
      } else if (op < 70 + ack_percent_) {
        SendAndAck();
      } else if (op < 85) {
        Append();
      } else if (op < 90) {
        Crash();
      } else if (op < 95) {
        FillDisk();
      } else {
        disk_->failing_syncs = 1;
      }
    }
    disk_->capacity = std::numeric_limits<uint64_t>::max();
    Sync();
    Crash();
  }

  uint64_t crashes() const { return crashes_; }
  uint64_t write_failures() const { return write_failures_; }
  uint64_t drops_seen() const { return drops_seen_; }

 private:
  void Reopen() {
    spool_.reset();
    auto spool = Spool::Open(std::make_unique<FaultFiles>(disk_), options_);
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = std::move(*spool);
  }

  void Append() {
    const std::string id = "e" + std::to_string(next_id_++);
    const size_t reason = std::uniform_int_distribution<size_t>(0, 600)(rng_);
    absl::StatusOr<uint64_t> seq = spool_->Append(Event(id, reason));
    if (!seq.ok()) {
      EXPECT_EQ(seq.status().code(), absl::StatusCode::kUnavailable) << seq.status();
      ++write_failures_;
      return;
    }
    EXPECT_GT(*seq, last_seq_);
    last_seq_ = *seq;
    unsynced_[*seq] = id;
  }

  void Sync() {
    if (!spool_->Sync().ok()) return;  // an injected fsync failure: nothing became durable
    for (auto& [seq, id] : unsynced_) durable_[seq] = id;
    unsynced_.clear();
    Check();
  }

  void SendAndAck() {
    const size_t n = std::uniform_int_distribution<size_t>(1, 40)(rng_);
    std::vector<v1::Event> batch = spool_->Read(acked_, n, 64 * 1024);
    if (batch.empty()) return;
    // The spool may have synced more than asked (a drop syncs its notice at once).
    if (spool_->durable_seq() >= batch.back().seq()) {
      for (auto it = unsynced_.begin();
           it != unsynced_.end() && it->first <= spool_->durable_seq();) {
        durable_[it->first] = it->second;
        it = unsynced_.erase(it);
      }
    }
    for (const v1::Event& e : batch) {
      EXPECT_GT(e.seq(), acked_);
      if (IsNotice(e)) continue;
      auto it = durable_.find(e.seq());
      ASSERT_NE(it, durable_.end()) << "seq " << e.seq() << " handed out before it was durable";
      EXPECT_EQ(it->second, e.check_id()) << "seq " << e.seq();
    }
    if (absl::Status s = spool_->Ack(batch.back().seq()); !s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;  // the cursor's disk is full
      return;
    }
    acked_ = batch.back().seq();
    EXPECT_GE(spool_->acked_seq(), acked_);
  }

  void Crash() {
    ++crashes_;
    spool_.reset();
    disk_->Crash(rng_);
    disk_->capacity = std::numeric_limits<uint64_t>::max();
    Reopen();
    if (::testing::Test::HasFatalFailure()) return;
    // Whatever of the unsynced events survived is durable now; the rest are gone and
    // their seqs may be used again.
    std::set<uint64_t> present;
    for (const v1::Event& e : Everything()) present.insert(e.seq());
    for (auto& [seq, id] : unsynced_) {
      if (present.count(seq)) durable_[seq] = id;
    }
    unsynced_.clear();
    last_seq_ = spool_->last_seq();
    // An ack is durable when Ack returns; the cursor may be further on from drops.
    EXPECT_GE(spool_->acked_seq(), acked_);
    // A crash tears at most the end of the newest segment; it never loses a durable record.
    EXPECT_EQ(spool_->recovery().regions, 0u);
    EXPECT_TRUE(spool_->recovery().lost_seqs.empty());
    Check();
  }

  void FillDisk() {
    // Leave a little room: the next appends fail part-way.
    disk_->capacity = disk_->used() + std::uniform_int_distribution<uint64_t>(0, 2000)(rng_);
  }

  std::vector<v1::Event> Everything() {
    return spool_->Read(0, std::numeric_limits<size_t>::max(), std::numeric_limits<size_t>::max());
  }

  // The spool holds every durable unacknowledged event, in order, unchanged; anything else
  // it holds is its own notice; what is missing was dropped by a notice's rule.
  void Check() {
    const std::vector<v1::Event> events = Everything();
    std::set<uint64_t> present;
    uint64_t previous = acked_;
    for (const v1::Event& e : events) {
      EXPECT_GT(e.seq(), previous) << "seqs strictly increase above the cursor";
      previous = e.seq();
      present.insert(e.seq());
      if (IsNotice(e)) {
        if (e.check_id() == "spool_dropped" && e.facts().at("cause").text() == "spool_full") {
          if (seen_notices_.insert(e.seq()).second) {
            ++drops_seen_;
            dropped_ranges_.emplace_back(e.facts().at("first_seq").integer(),
                                         e.facts().at("last_seq").integer());
          }
        }
        durable_[e.seq()] = e.check_id();
        continue;
      }
      auto it = durable_.find(e.seq());
      ASSERT_NE(it, durable_.end())
          << "seq " << e.seq() << " (" << e.check_id() << ") was never a durable event";
      EXPECT_EQ(it->second, e.check_id()) << "seq " << e.seq() << " reused";
    }
    for (const auto& [seq, id] : durable_) {
      if (seq <= acked_ || present.count(seq)) continue;
      const bool dropped =
          std::any_of(dropped_ranges_.begin(), dropped_ranges_.end(), [seq = seq](const auto& r) {
            return static_cast<int64_t>(seq) >= r.first && static_cast<int64_t>(seq) <= r.second;
          });
      EXPECT_TRUE(dropped || id.rfind("spool_", 0) == 0)
          << "durable event " << id << " (seq " << seq << ") lost without a notice";
    }
    EXPECT_EQ(spool_->pending_count(), events.size());
    EXPECT_LE(spool_->bytes(), options_.max_bytes);
  }

  std::mt19937_64 rng_;
  Spool::Options options_;
  const int ack_percent_;
  std::shared_ptr<Disk> disk_;
  std::unique_ptr<Spool> spool_;
  uint64_t next_id_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t acked_ = 0;
  std::map<uint64_t, std::string> unsynced_;
  std::map<uint64_t, std::string> durable_;  // every seq ever durable, and its event
  std::vector<std::pair<int64_t, int64_t>> dropped_ranges_;
  std::set<uint64_t> seen_notices_;
  uint64_t crashes_ = 0;
  uint64_t write_failures_ = 0;
  uint64_t drops_seen_ = 0;
};

TEST(SpoolModelTest, RandomAppendSyncAckCrashAndFullDiskKeepEveryDurableEvent) {
  uint64_t crashes = 0, failures = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Model model(seed, Spool::Options{.max_bytes = 1 << 20, .segment_bytes = 4096});
    model.Run(400);
    crashes += model.crashes();
    failures += model.write_failures();
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(crashes, 40u);  // the runs did exercise crashes and full disks
  EXPECT_GT(failures, 10u);
}

TEST(SpoolModelTest, ASmallSpoolDropsOnlyByItsRuleAndSaysSo) {
  uint64_t drops = 0;
  for (uint64_t seed = 100; seed <= 160; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Model model(seed, Spool::Options{.max_bytes = 24 * 1024, .segment_bytes = 2048}, 2);
    model.Run(400);
    drops += model.drops_seen();
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(drops, 0u);
}

}  // namespace
}  // namespace candor::agent
