#include "service/batch_writer.h"

#include <pthread.h>

#include <vector>

namespace candor::service {

BatchWriter::BatchWriter(Ingest& ingest, ServerMetrics& metrics)
    : ingest_(ingest), metrics_(metrics) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "batch-writer");  // as top -H and perf show it
    Loop();
  });
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "batch-acks");
    CompleteLoop();
  });
}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    writer_done_ = true;
    committed_wake_.notify_all();
  }
  completer_.join();
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
            events + queue_.front().prepared.batch->events_size() <= kMaxGroupEvents)) {
      events += queue_.front().prepared.batch->events_size();
      group.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<EventStore::BatchToStore> items;
    items.reserve(group.size());
    for (const Job& job : group) items.push_back({&job.device, &job.prepared});
    absl::Status stored = ingest_.StoreAll(items);
    if (!stored.ok()) metrics_.StorageError(StorageOp::kStoreEvents);
    lock.lock();
    committed_.push_back(Committed{std::move(group), std::move(stored)});
    committed_wake_.notify_one();
  }
}

void BatchWriter::CompleteLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    committed_wake_.wait(lock, [this] { return writer_done_ || !committed_.empty(); });
    if (committed_.empty()) return;  // the writer has stopped, and nothing is left
    Committed committed = std::move(committed_.front());
    committed_.pop_front();
    lock.unlock();
    for (Job& job : committed.group) {
      if (committed.status.ok()) {
        job.done(job.prepared.batch->last_seq());
      } else {
        job.done(committed.status);
      }
    }
    committed.group.clear();  // frees the batches here, not on the writer thread
    lock.lock();
  }
}

}  // namespace candor::service
