#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, in a directory of its own,
# listening on 127.0.0.1 at a free port and on a unix socket in that directory. It never
# touches the system cluster the Debian package may have started on 5432.
#
#   scripts/pg-cluster.sh start DIR   makes and starts the cluster; prints its URI
#                                     (postgresql://candor@127.0.0.1:PORT/postgres)
#   scripts/pg-cluster.sh stop DIR    stops it and removes DIR
#
# initdb refuses to run as root, so as root the cluster runs as the `postgres` OS user.
# Authentication is `trust` for the one local role: the cluster lives only as long as the
# test run and listens on loopback only.
set -euo pipefail

bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nothing listens on now; the start below retries with another if it is taken
# in between.
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

case "$command" in
  start)
    if [[ ! -x "$bin/initdb" ]]; then
      echo "pg-cluster: $bin/initdb not found (scripts/setup.sh installs postgresql)" >&2
      exit 1
    fi
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U candor --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    started=""
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      # Enough connections for ctest -j and two servers with their pools.
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null; then
        started=1
        break
      fi
    done
    [[ -n "$started" ]] || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgresql://candor@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
