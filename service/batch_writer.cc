#include "service/batch_writer.h"

#include <vector>

namespace candor::service {

BatchWriter::BatchWriter(Ingest& ingest, ServerMetrics& metrics)
    : ingest_(ingest), metrics_(metrics) {
  thread_ = std::thread([this] { Loop(); });
}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  thread_.join();
}

void BatchWriter::Submit(DeviceIdentity device, PreparedBatch prepared, Done done) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(Job{std::move(device), std::move(prepared), std::move(done)});
  wake_.notify_one();
}

void BatchWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    std::vector<Job> group;
    int events = 0;
    while (!queue_.empty() &&
           (group.empty() ||
            events + queue_.front().prepared.batch.events_size() <= kMaxGroupEvents)) {
      events += queue_.front().prepared.batch.events_size();
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<EventStore::BatchToStore> items;
    items.reserve(group.size());
    for (const Job& job : group) items.push_back({&job.device, &job.prepared});
    const absl::Status stored = ingest_.StoreAll(items);
    if (!stored.ok()) metrics_.StorageError(StorageOp::kStoreEvents);
    for (Job& job : group) {
      if (stored.ok()) {
        job.done(job.prepared.batch.last_seq());
      } else {
        job.done(stored);
      }
    }
    lock.lock();
  }
}

}  // namespace candor::service
