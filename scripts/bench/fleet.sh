#!/usr/bin/env bash
# The server at fleet scale (issue 10): a real candor-server process (made by
# `candor-server init`, SQLite storage in WAL mode with synchronous=FULL, the default
# config) on loopback, and bench_fleet, a load-generator process with AGENTS concurrent
# agent streams over mutual TLS. Prints the server's RSS per connected agent and the events
# stored per second with every agent sending, then checks the database holds every event.
# Both processes share this machine's cores, as the issue asks (load generator included).
#
# Usage: scripts/bench/fleet.sh [BUILD_DIR] [AGENTS] [BATCHES] [EVENTS]
#   BUILD_DIR: where candor-server, candorctl and bench_fleet are built (default build-bench,
#   as scripts/bench/run.sh makes it); defaults 10000 agents x 10 batches x 50 events.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-bench}
agents=${2:-10000}
batches=${3:-10}
events=${4:-50}

# Each agent is one socket in each process.
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < agents + 1024)); then
  echo "fleet.sh: the open-file limit ($(ulimit -n)) is too low for $agents agents" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/candor-fleet-XXXXXX")
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$build/service/candor-server" init --dir "$work/install" --listen 127.0.0.1:0 \
  --metrics-listen off --admin bench >/dev/null
mkfifo "$work/server.out"
# Its log (a line per connection) goes to a file, as the journal would take it.
"$build/service/candor-server" --config "$work/install/server.yaml" >"$work/server.out" \
  2>"$work/server.log" &
server_pid=$!
exec 3<"$work/server.out"
if ! read -r -t 30 line <&3; then
  echo "fleet.sh: candor-server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
port=${line##*:}
"$build/service/candorctl" --server "localhost:$port" --ca "$work/install/ca.pem" \
  --cert "$work/install/bench.pem" --cert-key "$work/install/bench.key" tenant create acme

"$build/scripts/bench/bench_fleet" "$work/install" "localhost:$port" "$server_pid" \
  "$agents" "$batches" "$events"

# Schema 6 keeps a batch per row; a server before it (compared side by side), an event.
if [[ -n $(sqlite3 "$work/install/candor.db" \
  "SELECT name FROM sqlite_master WHERE name = 'event_batches'") ]]; then
  stored=$(sqlite3 "$work/install/candor.db" 'SELECT SUM(event_count) FROM event_batches')
else
  stored=$(sqlite3 "$work/install/candor.db" 'SELECT count(*) FROM events')
fi
expected=$((agents * batches * events))
echo "events in the server's database: $stored (expected $expected)"
if ((stored != expected)); then
  echo "fleet.sh: the database does not hold every acknowledged event" >&2
  exit 1
fi
