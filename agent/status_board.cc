#include "agent/status_board.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "agent/log.h"
#include "agent/public_dir.h"
#include "boost/asio/post.hpp"
#include "config/time_text.h"
#include "nlohmann/json.hpp"
#include "proto/check_status_text.h"

namespace candor::agent {
namespace {

using Json = nlohmann::ordered_json;

Json TimeOrNull(int64_t ms) { return ms > 0 ? Json(config::Rfc3339(ms)) : Json(nullptr); }

int64_t ToMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

StatusBoard::StatusBoard(const Spool& spool, std::string agent_version, std::string server,
                         Clock now)
    : spool_(spool),
      agent_version_(std::move(agent_version)),
      server_(std::move(server)),
      now_(std::move(now)),
      started_ms_(ToMs(now_())),
      acked_seq_(spool.acked_seq()) {}

int64_t StatusBoard::NowMs() const { return ToMs(now_()); }

void StatusBoard::OnChange(std::function<void()> on_change) {
  std::lock_guard<std::mutex> lock(mu_);
  on_change_ = std::move(on_change);
}

void StatusBoard::Changed() {
  std::function<void()> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    notify = on_change_;
  }
  if (notify) notify();
}

void StatusBoard::PolicyInForce(const config::Policy& policy, bool from_server) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    policy_name_ = policy.name;
    policy_version_ = policy.version;
    policy_from_server_ = from_server;
    policy_since_ms_ = NowMs();
    // Checks the new policy no longer has are not shown as if they still ran.
    std::map<std::string, CheckRun> kept;
    policy_checks_.clear();
    for (const config::CheckSpec& check : policy.checks) {
      policy_checks_.insert(check.id);
      if (auto it = checks_.find(check.id); it != checks_.end()) kept.insert(*it);
    }
    checks_ = std::move(kept);
  }
  Changed();
}

void StatusBoard::Connected() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    connected_ = true;
    link_changed_ms_ = NowMs();
    link_problem_.clear();
  }
  Changed();
}

void StatusBoard::Disconnected(absl::string_view why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (connected_ || link_changed_ms_ == 0) link_changed_ms_ = NowMs();
    connected_ = false;
    link_problem_ = std::string(why);
  }
  Changed();
}

void StatusBoard::Acked(uint64_t seq) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    acked_seq_ = seq;
    acked_at_ms_ = NowMs();
  }
  Changed();
}

void StatusBoard::CheckRan(const std::string& check_id, v1::CheckStatus status, std::string reason,
                           std::chrono::system_clock::time_point observed_at) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    checks_[check_id] =
        CheckRun{.at_ms = ToMs(observed_at), .status = status, .reason = std::move(reason)};
  }
  Changed();
}

void StatusBoard::CoolingDown(const std::string& check_id,
                              std::optional<std::chrono::system_clock::time_point> until) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (until) {
      cooldown_ms_[check_id] = ToMs(*until);
    } else {
      cooldown_ms_.erase(check_id);
    }
  }
  Changed();
}

void StatusBoard::Stopping() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    connected_ = false;
  }
  Changed();
}

std::string StatusBoard::ToJson() const {
  Json doc;
  {
    std::lock_guard<std::mutex> lock(mu_);
    doc["written_at"] = config::Rfc3339(NowMs());
    doc["agent_version"] = agent_version_;
    doc["pid"] = static_cast<int64_t>(::getpid());
    doc["running"] = running_;
    doc["started_at"] = config::Rfc3339(started_ms_);
    doc["server"] = {{"address", server_},
                     {"connected", connected_},
                     {"since", TimeOrNull(link_changed_ms_)},
                     {"problem", link_problem_.empty() ? Json(nullptr) : Json(link_problem_)}};
    doc["policy"] = {{"name", policy_name_},
                     {"version", policy_version_},
                     {"source", policy_from_server_ ? "server" : "local file"},
                     {"since", TimeOrNull(policy_since_ms_)}};
    doc["last_ack"] = {{"seq", acked_seq_}, {"at", TimeOrNull(acked_at_ms_)}};
    // Each check of the policy that ran or is held in a cool-down (one left by an earlier
    // process may hold a check that has not run in this one).
    const int64_t now_ms = NowMs();
    std::set<std::string> shown;
    for (const auto& [id, run] : checks_) shown.insert(id);
    for (const auto& [id, until] : cooldown_ms_) {
      if (until > now_ms && policy_checks_.count(id) > 0) shown.insert(id);
    }
    Json checks = Json::array();
    for (const std::string& id : shown) {
      Json check = {{"check", id}, {"last_run", nullptr}, {"status", nullptr}, {"reason", nullptr}};
      if (auto run = checks_.find(id); run != checks_.end()) {
        check["last_run"] = TimeOrNull(run->second.at_ms);
        check["status"] = std::string(v1::CheckStatusText(run->second.status));
        check["reason"] = run->second.reason;
      }
      auto until = cooldown_ms_.find(id);
      check["not_before"] = until != cooldown_ms_.end() && until->second > now_ms
                                ? TimeOrNull(until->second)
                                : nullptr;
      checks.push_back(std::move(check));
    }
    doc["checks"] = std::move(checks);
  }
  doc["spool"] = {{"waiting_events", spool_.pending_count()},
                  {"bytes", spool_.bytes()},
                  {"last_seq", spool_.last_seq()},
                  {"dropped_since_start", spool_.dropped_total()}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

StatusPublisher::StatusPublisher(boost::asio::io_context& io, StatusBoard& board,
                                 std::filesystem::path state_dir, std::chrono::milliseconds delay)
    : io_(io), board_(board), state_dir_(std::move(state_dir)), delay_(delay), timer_(io) {
  board_.OnChange([this] { Schedule(); });
}

void StatusPublisher::Schedule() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (armed_) return;
    armed_ = true;
  }
  // Any thread may report a change; the timer belongs to the event loop.
  boost::asio::post(io_, [this] {
    timer_.expires_after(delay_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        armed_ = false;
      }
      if (!ec) Flush();
    });
  });
}

void StatusPublisher::Flush() {
  const absl::Status written = WritePublicFile(state_dir_, "status.json", board_.ToJson());
  std::lock_guard<std::mutex> lock(mu_);
  if (!written.ok() && !failing_)
    LogWarning(absl::StrCat("status not written: ", written.message()));
  failing_ = !written.ok();
}

}  // namespace candor::agent
