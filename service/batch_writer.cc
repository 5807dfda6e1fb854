#include "service/batch_writer.h"

namespace candor::service {

BatchWriter::BatchWriter(Ingest& ingest) : ingest_(ingest) {
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

void BatchWriter::Submit(DeviceIdentity device, v1::EventBatch batch, Done done) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(Job{std::move(device), std::move(batch), std::move(done)});
  wake_.notify_one();
}

void BatchWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job.done(ingest_.HandleBatch(job.device, job.batch));
    lock.lock();
  }
}

}  // namespace candor::service
