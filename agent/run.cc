#include "agent/run.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "agent/delivery.h"
#include "agent/event_builder.h"
#include "agent/group_commit.h"
#include "agent/heap_trim.h"
#include "agent/idle_code.h"
#include "agent/ledger.h"
#include "agent/log.h"
#include "agent/policy_store.h"
#include "agent/policy_watch.h"
#include "agent/public_dir.h"
#include "agent/scheduler.h"
#include "agent/scheduler_guards.h"
#include "agent/spool.h"
#include "agent/state_dir.h"
#include "agent/status_board.h"
#include "agent/stop_request.h"
#include "agent/uplink.h"
#include "agent/wake_timer.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/thread_pool.hpp"
#include "collectors/builtin.h"
#include "systemd/sd-daemon.h"

namespace candor::agent {
namespace {

// Checks run on a small pool so that a slow one cannot hold the others, and the agent
// never takes more than this many cores.
constexpr size_t kWorkers = 2;
// At SIGTERM, how long events already sent may take to be acknowledged before the stream
// closes; well inside the unit's TimeoutStopSec (packaging/systemd/candor-agent.service).
constexpr std::chrono::seconds kStopGrace{3};
// How long after the last check result or acknowledgement the agent hands the memory that
// round freed back to the kernel: past the group commit (200 ms by default) and the ack.
constexpr std::chrono::seconds kTrimAfterQuiet{2};

int Fail(absl::string_view message) {
  LogError(message);
  return 1;
}

// Leaves without waiting for collectors stuck past their timeout (their threads cannot be
// interrupted); everything that matters is already durable in the spool.
[[noreturn]] void ExitNow(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(code);
}

void LogSpoolDamage(const Spool& spool) {
  const Spool::Recovery& damage = spool.recovery();
  if (damage.any()) {
    // The same words go to the server in a spool_damaged event.
    LogError(absl::StrCat("spool: ",
                          SpoolDamagedEvent(damage, std::chrono::system_clock::now()).reason()));
  }
}

// What the employee can read of the policy in force (explain); an empty policy leaves none.
void PublishPolicy(const std::filesystem::path& state_dir, const config::Policy& policy) {
  if (policy.text.empty()) {
    std::error_code ec;
    std::filesystem::remove(PublicDir(state_dir) / "policy.yaml", ec);
    return;
  }
  if (absl::Status s = WritePublicFile(state_dir, "policy.yaml", policy.text); !s.ok()) {
    LogWarning(absl::StrCat(
        "the policy in force could not be published for `candor-agent explain`: ", s.message()));
  }
}

}  // namespace

int RunAgent(const config::AgentConfig& config, bool once, StopRequest* stop) {
  // A SIGTERM during start-up stays pending until the handler below takes it (a clean stop,
  // not death by signal). Threads started from here on inherit the mask: the stop signals
  // reach this thread only.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop_signals, signal);
  if (!once) pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  if (!once) LimitHeapRetention();  // before the pool and gRPC start their threads
  collectors::CollectorRegistry registry;
  collectors::RegisterBuiltins(registry);

  if (absl::Status s = PrepareStateDir(config.state_dir); !s.ok()) return Fail(s.message());
  absl::StatusOr<std::unique_ptr<Spool>> spool_or =
      Spool::Open(config.state_dir, Spool::Options{.max_bytes = config.spool.max_bytes});
  if (!spool_or.ok()) return Fail(spool_or.status().message());
  Spool& spool = **spool_or;
  LogSpoolDamage(spool);
  // What the employee may read: the policy, the status, the ledger of what was sent.
  if (absl::Status s = PreparePublicDir(config.state_dir); !s.ok()) return Fail(s.message());
  const auto now = [] { return std::chrono::system_clock::now(); };
  absl::StatusOr<std::unique_ptr<LedgerWriter>> ledger =
      LedgerWriter::Open(PublicDir(config.state_dir) / "ledger", config.ledger, now);
  if (!ledger.ok()) return Fail(ledger.status().message());
  StatusBoard board(spool, CANDOR_VERSION, config.server.ToString(), now);

  PolicyStore policies(config.policy, config.state_dir, registry.Catalog(),
                       PolicyTrust{.keys = config.policy_keys, .certificate = config.tls.cert});
  absl::StatusOr<PolicyStore::Initial> initial = policies.LoadInitial();
  if (!initial.ok()) return Fail(initial.status().message());
  if (!initial->pushed_problem.ok()) LogWarning(initial->pushed_problem.message());
  // Whether the policy in force came from the server (then a local file must be newer).
  bool pushed_in_force = initial->pushed;

  absl::StatusOr<std::unique_ptr<Uplink>> uplink = Uplink::Create(config, CANDOR_VERSION);
  if (!uplink.ok()) return Fail(uplink.status().message());
  boost::asio::io_context io;
  // Between rounds the agent keeps only what it uses (the service; --once exits anyway):
  // the heap's free pages and the code pages the round ran go back to the kernel.
  HeapTrimmer trimmer(io, kTrimAfterQuiet, [] {
    TrimHeap();
    ReleaseIdleCode();
  });
  // The ledger is written before the spool lets acknowledged events go. A ledger that cannot
  // be written does not hold up delivery: one warning per run of failures.
  bool ledger_failing = false;
  (*uplink)->SetAckListener([&](std::vector<v1::Event> events, uint64_t up_to) {
    const absl::Status recorded = (*ledger)->Record(events);
    if (!recorded.ok() && !ledger_failing) LogWarning(absl::StrCat("ledger: ", recorded.message()));
    ledger_failing = !recorded.ok();
    board.Acked(up_to);
    if (!once) boost::asio::post(io, [&trimmer] { trimmer.Poke(); });
  });
  StatusPublisher publisher(io, board, config.state_dir);
  // Pushed policies arrive on the uplink's thread and are applied on the event loop.
  std::function<void(v1::SignedPolicy)> apply_pushed;
  Delivery delivery(
      spool, **uplink,
      [&io, &apply_pushed](v1::SignedPolicy policy) {
        boost::asio::post(io,
                          [&apply_pushed, policy = std::move(policy)] { apply_pushed(policy); });
      },
      config.connect_timeout, config.reconnect_max_backoff);
  delivery.SetLinkListener({.up = [&board] { board.Connected(); },
                            .down = [&board](absl::string_view why) { board.Disconnected(why); }});
  // Appends are fsynced in groups; delivery sends what is durable.
  GroupCommit commit(spool, config.spool.sync_interval, [&delivery] { delivery.Notify(); });

  // Collectors remember a little between runs (when a security update was first seen).
  collectors::HostView::Options host_options;
  host_options.state =
      std::make_shared<collectors::FileStateStore>(config.state_dir / "collector-state");
  const collectors::HostView host("/", host_options);
  const SystemClock clock;
  // The agent's own budget: made before the pool, whose threads use it (docs/operations.md).
  absl::StatusOr<std::unique_ptr<SchedulerGuards>> guards = SchedulerGuards::Open(config);
  if (!guards.ok()) return Fail(guards.status().message());
  boost::asio::thread_pool pool(kWorkers);
  std::unique_ptr<WakeTimer> timer = MakeSystemWakeTimer(io);

  // Every event goes to the spool, durably, before anything tries to send it.
  auto spool_event = [&](v1::Event event) {
    absl::StatusOr<uint64_t> seq = spool.Append(std::move(event));
    if (!seq.ok()) {
      LogError(absl::StrCat("spool: event not stored (", spool.dropped_total(),
                            " lost so far; the server is told): ", seq.status().message()));
    }
    if (!once) commit.Appended();
  };
  Scheduler scheduler(
      io, clock, *timer, pool, registry, host,
      [&](const config::CheckSpec& check, const collectors::CheckResult& result,
          Clock::TimePoint observed_at, uint64_t policy_version) {
        v1::Event event = BuildCheckEvent(check, result, observed_at, policy_version);
        board.CheckRan(check.id, event.status(), event.reason(), observed_at);
        spool_event(std::move(event));
        if (!once) trimmer.Poke();
      },
      std::random_device{}());
  (*guards)->Attach(scheduler);
  (*guards)->cooldowns().Watch(
      [&board](const std::string& check, std::optional<Clock::TimePoint> until) {
        board.CoolingDown(check, until);
      });

  if (!initial->rejected.ok()) {
    LogWarning(absl::StrCat("policy ", config.policy.string(),
                            " rejected; keeping the last good "
                            "policy (version ",
                            initial->policy->version, "):\n", initial->rejected.message()));
    spool_event(PolicyRejectedEvent(config.policy.string(), initial->rejected, clock.Now(),
                                    initial->policy->version));
  }

  PublishPolicy(config.state_dir, *initial->policy);
  board.PolicyInForce(*initial->policy, initial->pushed);
  if (once) {
    scheduler.RunAllOnce(initial->policy, [&io] { io.stop(); });
    io.run();
    if (absl::Status s = spool.Sync(); !s.ok()) return Fail(absl::StrCat("spool: ", s.message()));
    (*uplink)->SetPolicyVersion(initial->policy->version);
    absl::Status sent =
        (*uplink)->Flush(spool, std::chrono::system_clock::now() + config.connect_timeout);
    int code = 0;
    if (!sent.ok()) {
      code = Fail(absl::StrCat("cannot deliver to ", config.server.ToString(), ": ", sent.message(),
                               "; ", spool.pending_count(), " event(s) stay in ",
                               config.state_dir.string(), " for the next run"));
    } else {
      std::cout << "delivered: every event up to seq " << spool.acked_seq()
                << " is stored on the server\n";
    }
    board.Stopping();
    publisher.Flush();
    (*guards)->CleanExit();
    if (scheduler.running() > 0) ExitNow(code);
    pool.join();
    return code;
  }

  delivery.SetPolicyVersion(initial->policy->version);
  delivery.Start();
  commit.Start();
  scheduler.SetPolicy(initial->policy);
  Log(absl::StrCat(initial->policy->version == 0
                       ? "no policy yet, waiting for one from the server"
                       : absl::StrCat("running ", config::DescribePolicy(*initial->policy),
                                      initial->pushed ? " (from the server)" : ""),
                   "; server ", config.server.ToString()));
  // Under systemd (Type=notify) the unit counts as started now; no NOTIFY_SOCKET: no-op.
  sd_notifyf(0, "READY=1\nSTATUS=running policy version %llu",
             static_cast<unsigned long long>(initial->policy->version));

  auto reload = [&] {
    if (config.policy.empty()) return;  // only pushed policies
    absl::StatusOr<std::shared_ptr<const config::Policy>> next = policies.Reload();
    if (next.ok() && pushed_in_force && (*next)->version <= scheduler.policy()->version) {
      LogWarning(absl::StrCat("policy ", config.policy.string(), " version ", (*next)->version,
                              " not applied: the server's version ", scheduler.policy()->version,
                              " is in force and newer"));
      return;
    }
    if (!next.ok()) {
      const uint64_t in_force = scheduler.policy()->version;
      LogWarning(absl::StrCat("policy ", config.policy.string(), " rejected; version ", in_force,
                              " stays in force:\n", next.status().message()));
      if (absl::IsInvalidArgument(next.status())) {
        spool_event(
            PolicyRejectedEvent(config.policy.string(), next.status(), clock.Now(), in_force));
      }
      return;
    }
    scheduler.SetPolicy(*next);
    delivery.SetPolicyVersion((*next)->version);
    PublishPolicy(config.state_dir, **next);
    board.PolicyInForce(**next, false);
    pushed_in_force = false;
    Log(absl::StrCat("applied ", config::DescribePolicy(**next)));
  };
  apply_pushed = [&](const v1::SignedPolicy& signed_policy) {
    const uint64_t in_force = scheduler.policy()->version;
    absl::StatusOr<std::shared_ptr<const config::Policy>> next =
        policies.AcceptPushed(signed_policy, in_force);
    v1::PolicyStatus status;
    status.set_applied(next.ok());
    if (!next.ok()) {
      LogWarning(absl::StrCat("policy from the server refused; version ", in_force,
                              " stays in force: ", next.status().message()));
      status.set_errors(std::string(next.status().message()));
      status.set_in_force(in_force);
      // Which version was offered, when the file says (it may not parse at all).
      absl::StatusOr<config::Policy> offered =
          config::ParsePolicyText(signed_policy.policy_yaml(), "pushed policy", policies.catalog());
      status.set_version(offered.ok() ? offered->version : 0);
      spool_event(PolicyRejectedEvent("pushed policy", next.status(), clock.Now(), in_force));
    } else {
      scheduler.SetPolicy(*next);
      delivery.SetPolicyVersion((*next)->version);
      PublishPolicy(config.state_dir, **next);
      board.PolicyInForce(**next, true);
      pushed_in_force = true;
      status.set_version((*next)->version);
      status.set_in_force((*next)->version);
      Log(absl::StrCat("applied ", config::DescribePolicy(**next), " from the server"));
    }
    (*uplink)->SendPolicyStatus(std::move(status));
  };
  std::unique_ptr<PolicyWatch> watch;
  if (!config.policy.empty()) {
    absl::StatusOr<std::unique_ptr<PolicyWatch>> started =
        PolicyWatch::Start(io, config.policy, reload);
    if (started.ok()) {
      watch = std::move(*started);
    } else {
      LogWarning(absl::StrCat("policy changes need SIGHUP: ", started.status().message()));
    }
  }

  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
          reload();
          signals.async_wait(on_signal);
          return;
        }
        Log(absl::StrCat("received ", signal == SIGTERM ? "SIGTERM" : "SIGINT", ", stopping"));
        sd_notify(0, "STOPPING=1\nSTATUS=stopping: delivering what the spool holds");
        scheduler.Stop();
        io.stop();
      };
  signals.async_wait(on_signal);
  std::optional<StopRequest::Listening> listening;
  if (stop != nullptr) {
    listening.emplace(StopLoopOnRequest(*stop, io, [&](const std::string& reason) {
      Log(absl::StrCat(reason, ", stopping"));
      scheduler.Stop();
    }));
  }
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  io.run();
  commit.Stop();               // the last events become durable
  delivery.Drain(kStopGrace);  // sent and acknowledged if the server answers in time
  board.Stopping();
  publisher.Flush();
  (*guards)->CleanExit();
  Log(absl::StrCat("stopped; ", spool.pending_count(),
                   " event(s) stay in the spool for the next start"));
  if (scheduler.running() > 0) ExitNow(0);
  pool.join();
  return 0;
}

}  // namespace candor::agent
