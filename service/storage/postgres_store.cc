// PostgresStore: opening, the event half (batches, history, latest results, retention).
// The registry half is in postgres_registry.cc.

#include "service/storage/postgres_store.h"

#include <algorithm>
#include <deque>
#include <random>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "service/storage/pg_listener.h"

namespace candor::service {
namespace {

std::string RandomInstanceId() {
  std::random_device random;
  return absl::StrFormat("%08x%08x", random(), random());
}

// PostgreSQL text cannot hold a NUL byte (valid UTF-8, so ingest lets it through, and
// SQLite keeps it): it becomes U+FFFD rather than fail the batch forever. `kept` owns the
// copies.
absl::string_view WithoutNul(absl::string_view text, std::deque<std::string>& kept) {
  if (text.find('\0') == absl::string_view::npos) return text;
  return kept.emplace_back(
      absl::StrReplaceAll(text, {{absl::string_view("\0", 1), "\xEF\xBF\xBD"}}));
}

// Rows fetched from a cursor at a time: large enough that round trips don't dominate,
// small enough to keep memory flat on a table of millions.
constexpr int kFetchRows = 10000;

}  // namespace

PostgresStore::PostgresStore(std::string uri, const Options& options)
    : uri_(std::move(uri)),
      options_(options),
      instance_id_(RandomInstanceId()),
      pool_(uri_, std::max<size_t>(options.pool_size, 1), [this](pg::Connection& conn) {
        auto r = conn.Exec("set lock_timeout", "SELECT set_config('lock_timeout', $1, false)",
                           pg::Params().Text(absl::StrCat(options_.lock_timeout.count(), "ms")));
        return r.ok() ? absl::OkStatus() : r.status();
      }) {}

PostgresStore::~PostgresStore() = default;

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& uri,
                                                                   const Options& options) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(uri, options));
  absl::StatusOr<pg::Pool::Lease> conn = store->Connect();
  if (!conn.ok()) return conn.status();
  if (absl::Status s = MigratePostgres(**conn); !s.ok()) return s;
  return store;
}

absl::StatusOr<pg::Pool::Lease> PostgresStore::Connect() { return pool_.Acquire(); }

absl::StatusOr<pg::Result> PostgresStore::Run(absl::string_view what, const char* sql,
                                              const pg::Params& params) {
  absl::StatusOr<pg::Pool::Lease> conn = Connect();
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec(what, sql, params);
}

absl::StatusOr<std::unique_ptr<ChangeWatch>> PostgresStore::WatchOtherServers(
    StorageChanges& changes) {
  absl::StatusOr<std::unique_ptr<PgListener>> listener =
      PgListener::Start(uri_, instance_id_, changes);
  if (!listener.ok()) return listener.status();
  return std::unique_ptr<ChangeWatch>(std::move(*listener));
}

absl::StatusOr<uint64_t> PostgresStore::StoreBatch(const DeviceIdentity& device,
                                                   const PreparedBatch& prepared,
                                                   Clock::time_point received_at) {
  const BatchToStore one{&device, &prepared};
  if (absl::Status s = StoreBatches({&one, 1}, received_at); !s.ok()) return s;
  return prepared.batch->last_seq();
}

absl::Status PostgresStore::StoreBatches(absl::Span<const BatchToStore> batches,
                                         Clock::time_point received_at) {
  const int64_t received_ms = UnixMillis(received_at);
  // Every event of the group in one INSERT (arrays unnested server-side): one round trip
  // whatever the group's size.
  std::vector<absl::string_view> device_ids, tenants, collectors, checks, statuses, reasons, facts;
  std::vector<int64_t> seqs, observed, versions;
  std::deque<std::string> kept;
  for (const BatchToStore& item : batches) {
    const v1::EventBatch& batch = *item.prepared->batch;
    for (int i = 0; i < batch.events_size(); ++i) {
      const v1::Event& event = batch.events(i);
      device_ids.push_back(item.device->device_id);
      seqs.push_back(static_cast<int64_t>(event.seq()));
      tenants.push_back(item.device->tenant);
      collectors.push_back(event.collector());
      checks.push_back(event.check_id());
      statuses.push_back(CheckStatusText(event.status()));
      reasons.push_back(WithoutNul(event.reason(), kept));
      facts.push_back(item.prepared->facts_json[static_cast<size_t>(i)]);
      observed.push_back(TimestampMillis(event.observed_at()));
      versions.push_back(static_cast<int64_t>(event.policy_version()));
    }
  }
  pg::Params insert;
  insert.TextArray(device_ids).IntArray(seqs).TextArray(tenants).TextArray(collectors);
  insert.TextArray(checks).TextArray(statuses).TextArray(reasons).TextArray(facts);
  insert.IntArray(observed).Int(received_ms).IntArray(versions);

  // Latest results in key order, so two servers' transactions lock rows in the same order.
  std::vector<LatestOfCheck> latest = LatestPerCheck(batches);
  std::sort(latest.begin(), latest.end(), [](const LatestOfCheck& a, const LatestOfCheck& b) {
    return std::tie(a.device->tenant, a.device->device_id, a.event->check_id()) <
           std::tie(b.device->tenant, b.device->device_id, b.event->check_id());
  });
  std::vector<absl::string_view> l_tenants, l_devices, l_checks, l_collectors, l_statuses,
      l_reasons;
  std::vector<int64_t> l_severity, l_interval, l_observed, l_versions, l_seqs;
  for (const LatestOfCheck& l : latest) {
    l_tenants.push_back(l.device->tenant);
    l_devices.push_back(l.device->device_id);
    l_checks.push_back(l.event->check_id());
    l_collectors.push_back(l.event->collector());
    l_statuses.push_back(CheckStatusText(l.event->status()));
    l_severity.push_back(l.event->severity());
    l_interval.push_back(l.event->interval_seconds());
    l_reasons.push_back(WithoutNul(l.event->reason(), kept));
    l_observed.push_back(TimestampMillis(l.event->observed_at()));
    l_versions.push_back(static_cast<int64_t>(l.event->policy_version()));
    l_seqs.push_back(static_cast<int64_t>(l.event->seq()));
  }
  pg::Params upsert;
  upsert.TextArray(l_tenants).TextArray(l_devices).TextArray(l_checks).TextArray(l_collectors);
  upsert.TextArray(l_statuses).IntArray(l_severity).IntArray(l_interval).TextArray(l_reasons);
  upsert.IntArray(l_observed).Int(received_ms).IntArray(l_versions).IntArray(l_seqs);

  absl::StatusOr<pg::Pool::Lease> conn = Connect();
  if (!conn.ok()) return conn.status();
  pg::Connection& c = **conn;
  if (absl::Status s = c.ExecScript("begin", "BEGIN"); !s.ok()) return s;
  absl::Status status =
      c.Exec("insert events",
             "INSERT INTO events (device_id, seq, tenant, collector, check_id, status, reason, "
             "facts, observed_at_ms, received_at_ms, policy_version) "
             "SELECT d, s, t, c, k, st, r, f, o, $10, v FROM unnest($1::text[], $2::bigint[], "
             "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
             "$9::bigint[], $11::bigint[]) AS x(d, s, t, c, k, st, r, f, o, v) "
             "ON CONFLICT (device_id, seq) DO NOTHING",
             insert)
          .status();
  if (status.ok() && !latest.empty()) {
    // A retransmitted older batch never overwrites a newer result (the WHERE).
    status = c.Exec("record latest results",
                    "INSERT INTO check_results (tenant, device_id, check_id, collector, status, "
                    "severity, interval_s, reason, observed_at_ms, received_at_ms, policy_version, "
                    "seq) SELECT t, d, k, c, st, sv, iv, r, o, $10, v, s FROM unnest($1::text[], "
                    "$2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], "
                    "$8::text[], $9::bigint[], $11::bigint[], $12::bigint[]) "
                    "AS x(t, d, k, c, st, sv, iv, r, o, v, s) "
                    "ON CONFLICT (tenant, device_id, check_id) DO UPDATE SET "
                    "collector = excluded.collector, status = excluded.status, "
                    "severity = excluded.severity, interval_s = excluded.interval_s, "
                    "reason = excluded.reason, observed_at_ms = excluded.observed_at_ms, "
                    "received_at_ms = excluded.received_at_ms, "
                    "policy_version = excluded.policy_version, seq = excluded.seq "
                    "WHERE excluded.seq > check_results.seq",
                    upsert)
                 .status();
  }
  if (status.ok()) status = c.ExecScript("commit", "COMMIT");
  if (!status.ok()) c.RollbackIfOpen();
  return status;
}

absl::StatusOr<uint64_t> PostgresStore::HighestSeq(const DeviceIdentity& device) {
  absl::StatusOr<pg::Result> r =
      Run("read highest seq", "SELECT COALESCE(MAX(seq), 0) FROM events WHERE device_id = $1",
          pg::Params().Text(device.device_id));
  if (!r.ok()) return r.status();
  return static_cast<uint64_t>(r->Int(0, 0));
}

absl::Status PostgresStore::ForEachRow(
    absl::string_view what, const std::string& sql, const pg::Params& params,
    const std::function<void(const pg::Result&, int row)>& visit) {
  absl::StatusOr<pg::Pool::Lease> conn = Connect();
  if (!conn.ok()) return conn.status();
  pg::Connection& c = **conn;
  // A cursor lives in a transaction; REPEATABLE READ gives one snapshot for all fetches.
  if (absl::Status s = c.ExecScript(what, "BEGIN ISOLATION LEVEL REPEATABLE READ"); !s.ok()) {
    return s;
  }
  const std::string declare = absl::StrCat("DECLARE candor_rows NO SCROLL CURSOR FOR ", sql);
  if (auto r = c.Exec(what, declare.c_str(), params); !r.ok()) return r.status();
  const std::string fetch = absl::StrCat("FETCH FORWARD ", kFetchRows, " FROM candor_rows");
  // Double-buffered: the next FETCH is sent before this one's rows are visited, so the
  // server reads ahead while the caller works.
  if (absl::Status s = c.Send(what, fetch.c_str(), {}); !s.ok()) return s;
  while (true) {
    absl::StatusOr<pg::Result> rows = c.Receive(what);
    if (!rows.ok()) return rows.status();
    const bool last = rows->rows() < kFetchRows;
    if (!last) {
      if (absl::Status s = c.Send(what, fetch.c_str(), {}); !s.ok()) return s;
    }
    for (int i = 0; i < rows->rows(); ++i) visit(*rows, i);
    if (last) break;
  }
  return c.ExecScript(what, "COMMIT");
}

absl::Status PostgresStore::VisitEvents(const std::string& sql, const pg::Params& params,
                                        const std::function<void(const StoredEvent&)>& visit) {
  StoredEvent event;
  return ForEachRow("read events", sql, params, [&](const pg::Result& r, int row) {
    event.tenant = r.Text(row, 0);
    event.device_id = r.Text(row, 1);
    event.seq = static_cast<uint64_t>(r.Int(row, 2));
    event.collector = r.Text(row, 3);
    event.check_id = r.Text(row, 4);
    event.status = r.Text(row, 5);
    event.reason = r.Text(row, 6);
    event.facts_json = r.Text(row, 7);
    event.observed_at_ms = r.Int(row, 8);
    event.received_at_ms = r.Int(row, 9);
    event.policy_version = static_cast<uint64_t>(r.Int(row, 10));
    visit(event);
  });
}

absl::Status PostgresStore::ForEachEvent(const std::function<void(const StoredEvent&)>& visit) {
  return VisitEvents(
      "SELECT tenant, device_id, seq, collector, check_id, status, reason, facts, "
      "observed_at_ms, received_at_ms, policy_version FROM events "
      "ORDER BY tenant, device_id, seq",
      {}, visit);
}

absl::Status PostgresStore::ForEachEventSince(
    int64_t received_since_ms, const std::function<void(const StoredEvent&)>& visit) {
  return VisitEvents(
      "SELECT tenant, device_id, seq, collector, check_id, status, reason, facts, "
      "observed_at_ms, received_at_ms, policy_version FROM events "
      "WHERE received_at_ms >= $1 ORDER BY received_at_ms, device_id, seq",
      pg::Params().Int(received_since_ms), visit);
}

absl::Status PostgresStore::ForEachLatestResult(
    const ResultFilter& filter, const std::function<void(const LatestResult&)>& visit) {
  // "$1 = ''" would hide the key from the planner; only the conditions asked for.
  std::string sql =
      "SELECT tenant, device_id, check_id, collector, status, severity, interval_s, reason, "
      "observed_at_ms, received_at_ms, policy_version FROM check_results";
  pg::Params params;
  if (!filter.tenant.empty()) {
    params.Text(filter.tenant);
    sql += " WHERE tenant = $1";
  }
  if (!filter.device_id.empty()) {
    params.Text(filter.device_id);
    sql += absl::StrCat(filter.tenant.empty() ? " WHERE" : " AND", " device_id = $", params.size());
  }
  sql += " ORDER BY tenant, device_id, check_id";
  LatestResult row;
  return ForEachRow("read latest results", sql, params, [&](const pg::Result& r, int i) {
    row.tenant = r.Text(i, 0);
    row.device_id = r.Text(i, 1);
    row.check_id = r.Text(i, 2);
    row.collector = r.Text(i, 3);
    row.status = r.Text(i, 4);
    row.severity = static_cast<int>(r.Int(i, 5));
    row.interval_seconds = r.Int(i, 6);
    row.reason = r.Text(i, 7);
    row.observed_at_ms = r.Int(i, 8);
    row.received_at_ms = r.Int(i, 9);
    row.policy_version = static_cast<uint64_t>(r.Int(i, 10));
    visit(row);
  });
}

absl::StatusOr<uint64_t> PostgresStore::PruneEvents(int64_t received_before_ms) {
  // In slices, as SqliteStore does: each a short transaction; each device's newest event
  // stays, so the seq a reconnecting agent is told was stored never goes back.
  constexpr int kSlice = 5000;
  uint64_t deleted = 0;
  while (true) {
    absl::StatusOr<pg::Result> r =
        Run("prune events",
            "DELETE FROM events WHERE (device_id, seq) IN ("
            "SELECT device_id, seq FROM events e WHERE received_at_ms < $1 AND seq < "
            "(SELECT MAX(seq) FROM events x WHERE x.device_id = e.device_id) LIMIT $2)",
            pg::Params().Int(received_before_ms).Int(kSlice));
    if (!r.ok()) return r.status();
    deleted += r->affected();
    if (r->affected() < static_cast<uint64_t>(kSlice)) return deleted;
  }
}

}  // namespace candor::service
