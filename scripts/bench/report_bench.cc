// Compliance report time for a large tenant: DEVICES devices x CHECKS checks, each device
// having reported every check ROUNDS times (history), in a real SQLite store on disk or in
// PostgreSQL.
// Times the aggregated report, the report with per-device detail and one device's report
// (median of 5 each), against the baseline of computing the latest result per check from
// the event history at query time (what the server would do without check_results): one
// SQL query in PostgreSQL; with SQLite, whose rows hold a batch's events each, by reading
// the history through the store.
//
// Usage: bench_report DIR|postgres://URI [DEVICES] [CHECKS] [ROUNDS]
//   DIR is emptied first; the PostgreSQL database must be empty (a new one).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "scripts/bench/typical_event.h"
#include "service/compliance.h"
#include "service/enrollment_service.h"
#include "service/storage/open_store.h"
#include "service/storage/pg_connection.h"

namespace {

namespace cs = candor::service;
namespace v1 = candor::v1;
using Steady = std::chrono::steady_clock;

double MedianMs(int runs, const std::function<void()>& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = Steady::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "bench_report: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [DEVICES] [CHECKS] [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::string where = argv[1];
  const bool postgres = cs::IsPostgresUri(where);
  const int devices = argc > 2 ? std::atoi(argv[2]) : 10000;
  const int checks = argc > 3 ? std::atoi(argv[3]) : 50;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 2;
  const std::filesystem::path db = std::filesystem::path(where) / "candor.db";
  if (!postgres) {
    std::filesystem::remove_all(where);
    std::filesystem::create_directories(where);
  }
  auto opened = cs::OpenStorage(postgres ? where : db.string(), {});
  if (!opened.ok()) return Fail(opened.status());
  cs::Storage& store = **opened;
  const int64_t now_ms = cs::UnixMillis(std::chrono::system_clock::now());
  if (absl::Status s = store.CreateTenant("acme", now_ms); !s.ok()) return Fail(s);
  if (absl::Status s = store.AddToken({.hash = cs::TokenHash("cnd_bench"),
                                       .tenant = "acme",
                                       .uses_left = devices,
                                       .expires_at_ms = now_ms + 3'600'000});
      !s.ok()) {
    return Fail(s);
  }

  // Fill: per round, every device reports every check once; 1 in 50 results fails, 1 in 50
  // is an error; the first round is three days old, so results only it has would be stale.
  const auto fill_start = Steady::now();
  std::vector<cs::DeviceIdentity> ids;
  for (int d = 0; d < devices; ++d) {
    ids.push_back({"acme", absl::StrCat("device-", d)});
    auto enrolled =
        store.EnrollDevice(cs::TokenHash("cnd_bench"), {.device_id = ids.back().device_id}, now_ms);
    if (!enrolled.ok()) return Fail(enrolled.status());
  }
  constexpr int kDevicesPerTransaction = 100;
  for (int round = 0; round < rounds; ++round) {
    const int64_t observed_ms = now_ms - (rounds - 1 - round) * 3 * 86'400'000LL;
    for (int first = 0; first < devices; first += kDevicesPerTransaction) {
      std::vector<cs::PreparedBatch> prepared;
      const int last = std::min(devices, first + kDevicesPerTransaction);
      for (int d = first; d < last; ++d) {
        v1::EventBatch batch;
        const uint64_t first_seq = static_cast<uint64_t>(round * checks + 1);
        batch.set_first_seq(first_seq);
        batch.set_last_seq(first_seq + static_cast<uint64_t>(checks) - 1);
        for (int c = 0; c < checks; ++c) {
          v1::Event event = candor::bench::TypicalEvent(absl::StrCat("check-", c));
          event.set_seq(first_seq + static_cast<uint64_t>(c));
          const int roll = (d * 31 + c * 7 + round) % 50;
          event.set_status(roll == 0   ? v1::CHECK_STATUS_FAIL
                           : roll == 1 ? v1::CHECK_STATUS_ERROR
                                       : v1::CHECK_STATUS_PASS);
          event.set_severity(static_cast<v1::Severity>(1 + c % 5));
          event.set_interval_seconds(3600);
          event.mutable_observed_at()->set_seconds(observed_ms / 1000);
          *batch.add_events() = std::move(event);
        }
        prepared.push_back(cs::PrepareBatch(std::move(batch)));
      }
      std::vector<cs::EventStore::BatchToStore> group;
      for (size_t i = 0; i < prepared.size(); ++i) {
        group.push_back({&ids[static_cast<size_t>(first) + i], &prepared[i]});
      }
      if (absl::Status s = store.StoreBatches(group, std::chrono::system_clock::now()); !s.ok()) {
        return Fail(s);
      }
    }
  }
  const double fill_s = std::chrono::duration<double>(Steady::now() - fill_start).count();
  std::printf("filled %d devices x %d checks x %d rounds (%lld events) in %.1f s\n", devices,
              checks, rounds, static_cast<long long>(devices) * checks * rounds, fill_s);

  v1::ComplianceReportRequest request;
  request.set_tenant("acme");
  uint32_t compliant = 0;
  const double aggregated = MedianMs(5, [&] {
    auto report = cs::BuildComplianceReport(store, store, request, now_ms);
    if (!report.ok()) std::abort();
    compliant = report->compliant();
  });
  // The store's part alone: reading every latest result of the tenant, nothing judged.
  size_t scanned = 0;
  const double scan = MedianMs(5, [&] {
    scanned = 0;
    if (!store.ForEachLatestResult({.tenant = "acme"}, [&](const cs::LatestResult&) { ++scanned; })
             .ok()) {
      std::abort();
    }
  });
  request.set_devices(true);
  const double detailed = MedianMs(5, [&] {
    if (!cs::BuildComplianceReport(store, store, request, now_ms).ok()) std::abort();
  });
  auto device = store.Device(ids[devices / 2].device_id);
  if (!device.ok() || !*device) return 1;
  const double one = MedianMs(5, [&] {
    if (!cs::BuildDeviceReport(store, **device, now_ms).ok()) std::abort();
  });

  // Baseline: the latest status per (device, check) from the event history, counted per
  // check, in one SQL query over the events table.
  int64_t baseline_rows = 0;
  double baseline = 0;
  if (postgres) {
    auto conn = cs::pg::Connection::Open(where);
    if (!conn.ok()) return Fail(conn.status());
    baseline = MedianMs(5, [&] {
      auto rows = (*conn)->Exec(
          "baseline",
          "SELECT check_id, status, COUNT(*) FROM (SELECT DISTINCT ON (device_id, check_id) "
          "check_id, status FROM events WHERE tenant = 'acme' AND collector <> 'agent' "
          "ORDER BY device_id, check_id, seq DESC) latest GROUP BY check_id, status",
          {});
      if (!rows.ok()) std::abort();
      baseline_rows = 0;
      for (int i = 0; i < rows->rows(); ++i) baseline_rows += rows->Int(i, 2);
    });
  } else {
    // SQLite keeps a batch's events in one row (schema 6): the history is read through the
    // store and the latest status per (device, check) kept in a hash map.
    baseline = MedianMs(5, [&] {
      absl::flat_hash_map<std::pair<std::string, std::string>, std::pair<uint64_t, std::string>>
          latest;
      const absl::Status read = store.ForEachEvent([&](const cs::StoredEvent& e) {
        if (e.tenant != "acme" || e.collector == "agent") return;
        auto& [seq, status] = latest[{e.device_id, e.check_id}];
        if (e.seq > seq) {
          seq = e.seq;
          status = e.status;
        }
      });
      if (!read.ok()) std::abort();
      absl::flat_hash_map<std::pair<std::string, std::string>, int64_t> counts;
      for (const auto& [key, value] : latest) ++counts[{key.second, value.second}];
      baseline_rows = 0;
      for (const auto& [key, count] : counts) baseline_rows += count;
    });
  }

  std::printf("aggregated report      %8.1f ms  (%u of %d devices compliant)\n", aggregated,
              compliant, devices);
  std::printf("with per-device detail %8.1f ms\n", detailed);
  std::printf("  of which reading the latest results %8.1f ms (%zu rows)\n", scan, scanned);
  std::printf("one device's report    %8.2f ms\n", one);
  std::printf("baseline: latest per check from history at query time %8.1f ms (%lld results)\n",
              baseline, static_cast<long long>(baseline_rows));
  std::printf("ratio aggregated/baseline %.2f\n", aggregated / baseline);
  return 0;
}
