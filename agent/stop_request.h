#pragma once

// A request to stop the running agent that comes from outside its event loop. On Linux the
// agent stops on SIGTERM or SIGINT (run.cc); under the Windows Service Control Manager there
// is no signal: the service's control handler, on the SCM's thread, calls Request() and the
// agent stops the same way (the scheduler stops, the event loop ends, the last events go to
// the spool).

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "boost/asio/io_context.hpp"

namespace candor::agent {

// Owned by whoever starts the agent (the Windows service) and outlives RunAgent.
// Thread-safe: Request() may be called from any thread, any number of times; the first
// reason is the one kept.
class StopRequest {
 public:
  using Listener = std::function<void(const std::string& reason)>;

  // Removes its listener when destroyed; once the destructor returns, the listener is not
  // running and will not be called.
  class Listening {
   public:
    explicit Listening(StopRequest* owner) : owner_(owner) {}
    Listening(Listening&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    Listening(const Listening&) = delete;
    Listening& operator=(const Listening&) = delete;
    Listening& operator=(Listening&&) = delete;
    ~Listening();

   private:
    StopRequest* owner_;
  };

  void Request(const std::string& reason);
  bool requested() const;
  std::optional<std::string> reason() const;

  // Calls `listener` on the first Request(), on that caller's thread, or right now when a
  // stop was already requested. One listener at a time. The listener runs under this
  // object's lock: it must be quick and must not call back into this object.
  [[nodiscard]] Listening Listen(Listener listener);

 private:
  mutable std::mutex mu_;
  std::optional<std::string> reason_;
  Listener listener_;
};

// What run.cc does with a stop request: on the loop's own thread, calls on_stop(reason)
// (which stops the scheduler) and then io.stop(), exactly as for SIGTERM. Keep the returned
// object alive while `io` runs.
[[nodiscard]] StopRequest::Listening StopLoopOnRequest(
    StopRequest& stop, boost::asio::io_context& io,
    std::function<void(const std::string& reason)> on_stop);

}  // namespace candor::agent
