#pragma once

// StatusBoard: the running agent's own state, as `candor-agent status` shows it: whether it
// is connected, how much waits in the spool, the last acknowledgement, the policy in force,
// the last run of each check and the checks held in a cool-down. Kept in memory and written
// to state_dir/public/status.json (0644) by StatusPublisher; it contains nothing the server
// is not sent (check ids, verdicts and reasons, counts, times). Thread-safe: the scheduler,
// the delivery thread and the event loop all report to it.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/spool.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "candor/v1/events.pb.h"
#include "config/policy.h"

namespace candor::agent {

class StatusBoard {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `spool` must outlive the board; its depth is read when the status is written.
  StatusBoard(const Spool& spool, std::string agent_version, std::string server, Clock now);

  // Called after every change (from any thread, without the board's lock held).
  void OnChange(std::function<void()> on_change);

  void PolicyInForce(const config::Policy& policy, bool from_server);
  // The stream to the server is up, or went down (with why).
  void Connected();
  void Disconnected(absl::string_view why);
  void Acked(uint64_t seq);
  // A check's result: its verdict and reason, as the event sent to the server has them.
  void CheckRan(const std::string& check_id, v1::CheckStatus status, std::string reason,
                std::chrono::system_clock::time_point observed_at);
  // The check may not run before `until` (the watchdog stopped it, or the agent died while
  // it ran: Cooldowns), or, nullopt, it may run again.
  void CoolingDown(const std::string& check_id,
                   std::optional<std::chrono::system_clock::time_point> until);
  // The agent is stopping: the status says so, whoever reads it later.
  void Stopping();

  // The status document (docs/operations.md lists its fields).
  std::string ToJson() const;

 private:
  struct CheckRun {
    int64_t at_ms = 0;
    v1::CheckStatus status = v1::CHECK_STATUS_UNSPECIFIED;
    std::string reason;
  };
  void Changed();
  int64_t NowMs() const;

  const Spool& spool_;
  const std::string agent_version_;
  const std::string server_;
  const Clock now_;
  const int64_t started_ms_;
  mutable std::mutex mu_;
  std::function<void()> on_change_;
  bool running_ = true;
  bool connected_ = false;
  int64_t link_changed_ms_ = 0;  // when connected_ last changed
  std::string link_problem_;     // why the last attempt or stream failed
  uint64_t acked_seq_ = 0;
  int64_t acked_at_ms_ = 0;
  std::string policy_name_;
  uint64_t policy_version_ = 0;
  bool policy_from_server_ = false;
  int64_t policy_since_ms_ = 0;
  std::map<std::string, CheckRun> checks_;
  std::set<std::string> policy_checks_;         // the ids of the policy in force
  std::map<std::string, int64_t> cooldown_ms_;  // check -> end of its cool-down
};

// Writes the board's status to state_dir/public/status.json at most once per `delay` after
// a change, on `io` (timers, not polling), and once more at Flush(). Lives on the event
// loop: Flush() is called there or after it stopped.
class StatusPublisher {
 public:
  StatusPublisher(boost::asio::io_context& io, StatusBoard& board, std::filesystem::path state_dir,
                  std::chrono::milliseconds delay = std::chrono::seconds(1));
  // Writes now; logs (once per run of failures) when the file cannot be written.
  void Flush();

 private:
  void Schedule();

  boost::asio::io_context& io_;
  StatusBoard& board_;
  const std::filesystem::path state_dir_;
  const std::chrono::milliseconds delay_;
  boost::asio::steady_timer timer_;
  std::mutex mu_;
  bool armed_ = false;
  bool failing_ = false;
};

}  // namespace candor::agent
