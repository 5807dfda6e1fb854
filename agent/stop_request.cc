#include "agent/stop_request.h"

#include <utility>

#include "boost/asio/post.hpp"

namespace candor::agent {

StopRequest::Listening::~Listening() {
  if (owner_ == nullptr) return;
  std::lock_guard<std::mutex> lock(owner_->mu_);
  owner_->listener_ = nullptr;
}

void StopRequest::Request(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reason_.has_value()) return;
  reason_ = reason;
  if (listener_) listener_(*reason_);
}

bool StopRequest::requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_.has_value();
}

std::optional<std::string> StopRequest::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

StopRequest::Listening StopRequest::Listen(Listener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
  if (reason_.has_value()) listener_(*reason_);
  return Listening(this);
}

StopRequest::Listening StopLoopOnRequest(StopRequest& stop, boost::asio::io_context& io,
                                         std::function<void(const std::string& reason)> on_stop) {
  return stop.Listen([&io, on_stop = std::move(on_stop)](const std::string& reason) {
    boost::asio::post(io, [&io, on_stop, reason] {
      on_stop(reason);
      io.stop();
    });
  });
}

}  // namespace candor::agent
