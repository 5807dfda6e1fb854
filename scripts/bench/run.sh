#!/usr/bin/env bash
# Builds the benchmarks (Release, separate build directory) and runs them. The results
# and the machine they ran on are recorded in docs/benchmarks.md.
# Usage: scripts/bench/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
"$root/scripts/setup.sh"
build=build-bench
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCANDOR_BENCH=ON -DCANDOR_BUILD_TESTS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_policy_load bench_schedule_hour bench_spool \
  bench_delivery bench_ledger bench_store bench_patch bench_policy_push bench_report bench_ingest \
  bench_fleet

# A throwaway PostgreSQL cluster for the PostgreSQL runs, a fresh database for each.
pg_dir=$(mktemp -d /tmp/candor-bench-pg.XXXXXX)
trap '"$root/scripts/pg-cluster.sh" stop "$pg_dir"' EXIT
pg=$("$root/scripts/pg-cluster.sh" start "$pg_dir")
pg_database() { # name: creates it, prints its URI
  psql "$pg" -qc "CREATE DATABASE $1" >/dev/null
  echo "${pg%/postgres}/$1"
}

echo "== $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r)"
echo "== policy of 1,000 checks: load and validate, against yaml-cpp's plain load"
"$build/scripts/bench/bench_policy_load" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true
echo "== an hour of simulated schedule, 50 checks"
"$build/scripts/bench/bench_schedule_hour"
echo "== the same hour with the watchdog, cool-downs and the record of running checks"
"$build/scripts/bench/bench_schedule_hour" --guards
echo "== spool: appends with group commit against fsync per event; recovery of 1 GiB"
"$build/scripts/bench/bench_spool" "$build/bench-spool"
echo "== delivery from one agent over mTLS: the server storing in SQLite against a bare sink"
"$build/scripts/bench/bench_delivery" "$build/bench-delivery" 2>/dev/null
echo "== the server's cost per stored event, step by step"
"$build/scripts/bench/bench_store" "$build/bench-store"
echo "== patch_level against apt list --upgradable"
"$build/scripts/bench/bench_patch"
echo "== policy push to 1,000 connected agents (simulated, one process), 5 pushes"
"$build/scripts/bench/bench_policy_push" "$build/bench-push" 1000 5 2>/dev/null
echo "== compliance report: 10,000 devices x 50 checks x 2 rounds of history, SQLite"
"$build/scripts/bench/bench_report" "$build/bench-report" 10000 50 2
echo "== the same report on PostgreSQL 15 (local cluster, default settings)"
"$build/scripts/bench/bench_report" "$(pg_database bench_report)" 10000 50 2
echo "== a batch off the wire: parse, prepare, free; on the heap against on an arena"
"$build/scripts/bench/bench_batch_parse" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true
echo "== ingest through Ingest + BatchWriter, 64 devices x 100 batches of 50 events:"
echo "== one server on SQLite; two servers on one PostgreSQL; one server on PostgreSQL"
"$build/scripts/bench/bench_ingest" "$build/bench-ingest.db" 1 64 100
"$build/scripts/bench/bench_ingest" "$(pg_database bench_ingest_two)" 2 64 100
"$build/scripts/bench/bench_ingest" "$(pg_database bench_ingest_one)" 1 64 100
echo "== the agent's footprint (idle, one full collection) against node-exporter and collectd"
if [[ $EUID -eq 0 ]]; then "$root/scripts/bench/footprint.sh" "$build"; else echo "skipped: needs root"; fi
echo "== the server at fleet scale: 10,000 agent streams from a load-generator process"
"$root/scripts/bench/fleet.sh" "$build" 10000 10 50
