#!/usr/bin/env bash
# The agent's footprint (issue 10): candor-agent, prometheus-node-exporter and collectd side
# by side on this machine, each doing its default work. For each: resident memory while idle
# (VmRSS sampled over a 60 s window; PSS and anonymous memory from smaps_rollup), CPU time in
# that window, and for one full collection its CPU time (utime+stime+cutime+cstime from
# /proc/PID/stat, so programs it runs count too) and its peak RSS (VmHWM, reset with
# /proc/PID/clear_refs before the collection). The results are in docs/benchmarks.md.
#
# A full collection: candor-agent runs every check of config/examples/company-laptop.yaml
# and the server acknowledges every event (triggered by an edit of the policy file, which
# runs every changed check at once); node-exporter answers one scrape of /metrics with its
# default collectors, as Prometheus asks for it; collectd does one interval (10 s) of
# reads and rrdtool writes with Debian's default configuration.
#
# Usage (as root: installs the two packages if missing, reads other users' /proc):
#   [BASELINE_AGENT=path/to/other/candor-agent] [IDLE_WINDOW=60] scripts/bench/footprint.sh [BUILD_DIR]
# candor-server, candor-agent and candorctl are built (if not up to date) in BUILD_DIR,
# default build-bench (configured as Release if it is not configured yet). BASELINE_AGENT: another build of candor-agent (an
# earlier commit) run and measured the same way in the same run, a column of its own.
# Takes about 2 minutes; stops and removes everything it started.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ $EUID -ne 0 ]]; then
  echo "footprint.sh: run as root (apt-get, node-exporter as its user, other processes' /proc)" >&2
  exit 2
fi

# seconds of idle sampled (IDLE_WINDOW, a multiple of 10; e.g. 1800 to see whether an idle
# agent's memory creeps back); the idle CPU per hour is scaled from it
idle_window=${IDLE_WINDOW:-60}
if ((idle_window < 10 || idle_window % 10 != 0)); then
  echo "footprint.sh: IDLE_WINDOW must be a multiple of 10 seconds" >&2
  exit 2
fi
sample_every=5       # seconds between RSS samples in the window
collections=5        # measured full collections of the agent and scrapes of node-exporter
collectd_interval=10 # collectd's default Interval (Debian's collectd.conf leaves it unset)

work=$(mktemp -d "${TMPDIR:-/tmp}/candor-footprint-XXXXXX")
pids=()             # everything started here, stopped at exit
policy_rc_made=""   # a policy-rc.d made here for the install, removed at exit
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [[ -n "$policy_rc_made" ]] && rm -f /usr/sbin/policy-rc.d
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the two packages, installed without leaving their daemons running -------------------
daemon_pids() { # the node-exporter and collectd processes running now
  { pidof /usr/bin/prometheus-node-exporter /usr/sbin/collectd /usr/sbin/collectdmon || true; } |
    tr ' ' '\n' | sed '/^$/d' | sort
}
if ! [[ -x /usr/bin/prometheus-node-exporter && -x /usr/sbin/collectd &&
  -f /etc/collectd/collectd.conf ]]; then
  echo "== installing prometheus-node-exporter and collectd (bench only; their services are not started)"
  before=$(daemon_pids)
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Without systemd as PID 1 the packages' init scripts would start the daemons.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_rc_made=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    prometheus-node-exporter collectd >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    exit 1
  }
  if [[ -n "$policy_rc_made" ]]; then
    rm -f /usr/sbin/policy-rc.d
    policy_rc_made=""
  fi
  # Anything the install started anyway is stopped, and never measured.
  for pid in $(comm -13 <(echo "$before") <(daemon_pids)); do
    echo "stopping $(cat "/proc/$pid/comm" 2>/dev/null) (pid $pid), started by its package"
    kill "$pid" 2>/dev/null || true
  done
fi

# --- Candor's binaries --------------------------------------------------------------------
build=${1:-$root/build-bench}
if [[ ! -f "$build/CMakeCache.txt" ]]; then # a build dir already configured keeps its settings
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
fi
build=$(cd "$build" && pwd)
cmake --build "$build" -j "$(nproc)" --target candor-server candor-agent candorctl >/dev/null
agent_bin=$build/agent/candor-agent
for bin in "$build/service/candor-server" "$agent_bin" "$build/service/candorctl"; do
  [[ -x "$bin" ]] || {
    echo "footprint.sh: $bin is missing" >&2
    exit 1
  }
done

# --- readings from /proc -------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
declare -A m # the measurements: m[what.program] (agent, baseline, exporter, collectd)
status_kib() { # pid field: VmRSS, VmHWM, Threads from /proc/PID/status
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}
rollup_kib() { # pid field: Pss, Pss_Anon, Anonymous, ... from /proc/PID/smaps_rollup
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/smaps_rollup"
}
cpu_ms() { # utime+stime+cutime+cstime in ms (clock ticks: 10 ms steps)
  sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$clk_tck" '{print ($12 + $13 + $14 + $15) * 1000 / hz}'
}
major_faults() { # majflt+cmajflt: page faults that had to read from the disk
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $10 + $11}'
}
run_ns() { # time on CPU of the live threads in ns (/proc/PID/task/*/schedstat): precise
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'
}
# RSS that is the program's alone on a typical laptop: all of it except the file pages of
# libraries every desktop process maps anyway (libc, libstdc++, OpenSSL, libsystemd, ...).
# Here PSS says little: candor-server (and other builds) map libgrpc and libprotobuf too.
common_libs='/(ld-linux[^/]*|lib(c|m|pthread|dl|rt|resolv|stdc\+\+|gcc_s|crypto|ssl|systemd|z|lzma|zstd|lz4|gcrypt|gpg-error|cap)\.so[^/]*)$'
own_kib() { # smaps file
  common=$common_libs awk '/^[0-9a-f]+-[0-9a-f]+ / {shared = ($6 ~ ENVIRON["common"])}
    $1 == "Rss:" && !shared {k += $2} $1 == "Anonymous:" && shared {k += $2}
    END {print k}' "$1"
}
threads_cpu() { # pid: "tid name ns-on-cpu times-run" for each live thread
  local t
  for t in /proc/"$1"/task/*; do
    echo "${t##*/} $(tr ' ' _ <"$t/comm") $(cut -d' ' -f1,3 "$t/schedstat")"
  done | sort
}
reset_peak() { echo 5 >"/proc/$1/clear_refs"; } # VmHWM starts again from VmRSS
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
maximum() { sort -n | tail -1; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() { # seconds command...: polls every 0.2 s
  local tries=$(($1 * 5)) try
  shift
  for ((try = 0; try < tries; try++)); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

# --- candor-server on loopback and an enrolled agent, as scripts/demo.sh does -------------
echo "== $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, load $(cut -d" " -f1-3 /proc/loadavg); build $build"
"$build/service/candor-server" init --dir "$work/install" --listen 127.0.0.1:0 \
  --metrics-listen 127.0.0.1:0 --admin mia >/dev/null
mkfifo "$work/server.out"
"$build/service/candor-server" --config "$work/install/server.yaml" >"$work/server.out" \
  2>"$work/server.log" &
pids+=($!)
exec 3<"$work/server.out"
# First "metrics on http://...", then "listening on 127.0.0.1:PORT".
if ! read -r -t 30 _ <&3 || ! read -r -t 30 line <&3; then
  echo "candor-server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
port=${line##*:}
ctl() {
  "$build/service/candorctl" --server "localhost:$port" --ca "$work/install/ca.pem" \
    --cert "$work/install/mia.pem" --cert-key "$work/install/mia.key" "$@"
}
ctl tenant create demo >/dev/null
# How many events one full collection makes here: one per check for this platform.
sed 's/tenant: acme/tenant: demo/' "$root/config/examples/company-laptop.yaml" >"$work/policy.yaml"
checks=$("$agent_bin" check --policy "$work/policy.yaml" --format json |
  grep -o '"check":' | wc -l)

declare -A pid # program -> its pid
start_agent() { # name binary: enrolls a device of its own and starts the agent as a service
  local name=$1 bin=$2 token
  token=$(ctl token create --tenant demo --group laptops --uses 1 --ttl 1h 2>/dev/null)
  "$bin" enroll --server "localhost:$port" --ca "$work/install/ca.pem" --token "$token" \
    --state-dir "$work/state-$name" >/dev/null
  # The policy in a directory of its own: the agent watches the policy file's directory,
  # and in $work this script writes its samples every few seconds, which would wake it.
  mkdir "$work/policy-$name"
  cp "$work/policy.yaml" "$work/policy-$name/policy.yaml"
  cat >"$work/$name.yaml" <<YAML
server: localhost:$port
state_dir: $work/state-$name
policy: $work/policy-$name/policy.yaml
YAML
  # As the service runs it (root; packaging/systemd/candor-agent.service), in the foreground.
  "$bin" --config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  pid[$name]=$!
  pids+=("$!")
}
ledger_lines() { cat "$work/state-$1"/public/ledger/*.jsonl 2>/dev/null | wc -l; }
ledger_at_least() { (($(ledger_lines "$1") >= $2)); }
agents=(agent)
start_agent agent "$agent_bin"
if [[ -n "${BASELINE_AGENT:-}" ]]; then # another build of the agent, measured alongside
  agents+=(baseline)
  start_agent baseline "$BASELINE_AGENT"
fi

# --- node-exporter: as its init script runs it (user prometheus, no arguments) ------------
ne_port=$(free_port)
setpriv --reuid=prometheus --regid=prometheus --init-groups \
  /usr/bin/prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" \
  >"$work/exporter.log" 2>&1 &
pid[exporter]=$!
pids+=("$!")
scrape() { # as Prometheus does: text format, gzip
  curl -sf --compressed -H 'Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1' \
    -o "$work/metrics.txt" "http://127.0.0.1:$ne_port/metrics"
}

# --- collectd: Debian's /etc/collectd/collectd.conf, its files in the temporary dir -------
mkdir -p "$work/collectd"
sed -e "s|^#BaseDir .*|BaseDir \"$work/collectd\"|" \
  -e "s|DataDir \"/var/lib/collectd/rrd\"|DataDir \"$work/collectd/rrd\"|" \
  /etc/collectd/collectd.conf >"$work/collectd.conf"
/usr/sbin/collectd -f -C "$work/collectd.conf" -P "$work/collectd/collectd.pid" \
  >"$work/collectd.log" 2>&1 &
pid[collectd]=$!
pids+=("$!")
progs=("${agents[@]}" exporter collectd)

# --- start-up: each does its first collection -----------------------------------------------
for a in "${agents[@]}"; do
  if ! wait_for 60 ledger_at_least "$a" "$checks"; then
    echo "candor-agent ($a) did not deliver its first collection:" >&2
    cat "$work/$a.log" >&2
    exit 1
  fi
done
wait_for 20 scrape || {
  echo "node-exporter does not answer:" >&2
  cat "$work/exporter.log" >&2
  exit 1
}
sleep 5 # settled: the agent's status file, group commit; collectd past its first interval
for p in "${progs[@]}"; do
  kill -0 "${pid[$p]}" 2>/dev/null || {
    echo "$p exited early; its log:" >&2
    cat "$work/$p.log" >&2
    exit 1
  }
  m[start_rss.$p]=$(status_kib "${pid[$p]}" VmRSS)
  m[start_hwm.$p]=$(status_kib "${pid[$p]}" VmHWM)
done
echo "agent: $checks checks delivered and acknowledged at start-up"

# --- the idle window: nobody scrapes node-exporter, the agent has nothing due --------------
# collectd is never idle: its window is six intervals of its default work, which also
# gives its figures for one collection (its peak is reset at the window's start).
echo "== ${idle_window} s idle window, RSS every ${sample_every} s"
reset_peak "${pid[collectd]}"
for p in "${progs[@]}"; do
  m[idle_cpu0.$p]=$(cpu_ms "${pid[$p]}")
  m[idle_ns0.$p]=$(run_ns "${pid[$p]}")
  m[idle_majflt0.$p]=$(major_faults "${pid[$p]}")
  : >"$work/rss.$p"
done
threads_cpu "${pid[agent]}" >"$work/threads0"
for ((t = 0; t <= idle_window; t += sample_every)); do
  for p in "${progs[@]}"; do status_kib "${pid[$p]}" VmRSS >>"$work/rss.$p"; done
  if ((t < idle_window)); then sleep "$sample_every"; fi
done
threads_cpu "${pid[agent]}" >"$work/threads1"
for p in "${progs[@]}"; do
  id=${pid[$p]}
  m[idle_cpu.$p]=$(awk -v a="${m[idle_cpu0.$p]}" -v b="$(cpu_ms "$id")" 'BEGIN {print b - a}')
  m[idle_run.$p]=$(awk -v a="${m[idle_ns0.$p]}" -v b="$(run_ns "$id")" \
    'BEGIN {printf "%.1f", (b - a) / 1e6}')
  m[idle_majflt.$p]=$(($(major_faults "$id") - m[idle_majflt0.$p]))
  m[idle_med.$p]=$(median <"$work/rss.$p")
  m[idle_max.$p]=$(maximum <"$work/rss.$p")
  m[idle_rss.$p]="$(mib "${m[idle_med.$p]}") / $(mib "${m[idle_max.$p]}") MiB"
  m[pss.$p]=$(rollup_kib "$id" Pss)
  m[anon.$p]=$(rollup_kib "$id" Anonymous)
  m[threads.$p]=$(status_kib "$id" Threads)
  cp "/proc/$id/smaps" "$work/smaps.$p"
  m[own.$p]=$(own_kib "$work/smaps.$p")
done
m[coll_cpu.collectd]=$(awk -v c="${m[idle_cpu.collectd]}" -v n=$((idle_window / collectd_interval)) \
  'BEGIN {printf "%.0f", c / n}')
m[coll_hwm.collectd]=$(status_kib "${pid[collectd]}" VmHWM)

# --- full collections: the agent (policy edited) and node-exporter (one scrape each) -------
echo "== $collections full collections of the agent, $collections scrapes of node-exporter"
for p in "${agents[@]}" exporter; do rm -f "$work/cpu.$p" "$work/hwm.$p" "$work/majflt.$p"; done
measured() { # program cpu0 majflt0: appends the CPU and the major faults since cpu0 and
  # majflt0, and the peak since the reset
  awk -v a="$2" -v b="$(cpu_ms "${pid[$1]}")" 'BEGIN {print b - a}' >>"$work/cpu.$1"
  echo $(($(major_faults "${pid[$1]}") - $3)) >>"$work/majflt.$1"
  status_kib "${pid[$1]}" VmHWM >>"$work/hwm.$1"
}
for ((n = 1; n <= collections; n++)); do
  for a in "${agents[@]}"; do
    # Every check changed (its timeout), so every check runs at once, as after a push.
    before=$(ledger_lines "$a")
    reset_peak "${pid[$a]}"
    cpu0=$(cpu_ms "${pid[$a]}")
    majflt0=$(major_faults "${pid[$a]}")
    sed -e "s/^  version: .*/  version: $((n + 1))/" -e "s/^  timeout: .*/  timeout: $((30 + n))s/" \
      "$work/policy.yaml" >"$work/policy-$a/policy.next"
    mv "$work/policy-$a/policy.next" "$work/policy-$a/policy.yaml"
    if ! wait_for 60 ledger_at_least "$a" $((before + checks)); then
      echo "candor-agent ($a) did not deliver collection $n:" >&2
      cat "$work/$a.log" >&2
      exit 1
    fi
    sleep 1
    measured "$a" "$cpu0" "$majflt0"
  done
  reset_peak "${pid[exporter]}"
  cpu0=$(cpu_ms "${pid[exporter]}")
  majflt0=$(major_faults "${pid[exporter]}")
  scrape
  sleep 1
  measured exporter "$cpu0" "$majflt0"
done
for p in "${agents[@]}" exporter; do
  m[coll_cpu.$p]=$(median <"$work/cpu.$p")
  m[coll_hwm.$p]=$(maximum <"$work/hwm.$p")
  m[coll_majflt.$p]=$(median <"$work/majflt.$p")
done
# What the agent keeps once the last round is delivered and it has been quiet a while.
sleep 5
for a in "${agents[@]}"; do m[after_rss.$a]=$(status_kib "${pid[$a]}" VmRSS); done
metrics_lines=$(grep -vc '^#' "$work/metrics.txt")

# --- the table -------------------------------------------------------------------------------
declare -A title=([agent]=candor-agent [baseline]="candor-agent (baseline)"
  [exporter]=prometheus-node-exporter [collectd]=collectd)
row() { # label values...
  local label=$1
  shift
  printf '| %s |' "$label"
  printf ' %s |' "$@"
  echo
}
each() { # formatter what label: m[what.*] of every program through the formatter
  local f=$1 what=$2 label=$3 p values=()
  for p in "${progs[@]}"; do values+=("$($f "${m[$what.$p]:-}")"); done
  row "$label" "${values[@]}"
}
mibf() { if [[ -n "$1" ]]; then echo "$(mib "$1") MiB"; else echo "-"; fi; }
msf() { if [[ -n "$1" ]]; then echo "$1 ms"; else echo "-"; fi; }
countf() { echo "${1:--}"; } # a count, or "-" where the program has none
hourf() { awk -v ms="$1" -v w="$idle_window" 'BEGIN {printf "%.1f s", ms * 3600 / w / 1000}'; }
titles=() dashes=()
for p in "${progs[@]}"; do titles+=("${title[$p]}") dashes+=(---); done
echo
row "" "${titles[@]}"
row --- "${dashes[@]}"
each echo idle_rss "idle RSS (VmRSS), median / max of $((idle_window / sample_every + 1)) samples"
each mibf pss "idle PSS (smaps_rollup)"
each mibf anon "idle anonymous memory (smaps_rollup)"
each mibf own "idle RSS without common system libraries (its own on a laptop)"
each echo threads "threads"
each mibf start_hwm "peak RSS from start to the end of the first collection (VmHWM)"
each msf idle_cpu "CPU in the ${idle_window} s window, /proc/PID/stat (10 ms steps)"
each msf idle_run "the same from schedstat (live threads, ns)"
each hourf idle_cpu "CPU per hour at that rate"
each echo idle_majflt "major page faults in the ${idle_window} s window (reads from the disk)"
each msf coll_cpu "one full collection: CPU (user+sys, with children)"
each mibf coll_hwm "one full collection: peak RSS (VmHWM reset before)"
each countf coll_majflt "one full collection: major page faults (code read back from the disk)"
each mibf after_rss "RSS 5 s after the last collection was delivered"
# Default work for an hour: the agent's example policy runs each check at most hourly (one
# full collection at most); Prometheus scrapes every minute by default (scrape_interval: 1m);
# collectd's window already is its default work.
for a in "${agents[@]}"; do
  m[hour.$a]=$(awk -v i="${m[idle_cpu.$a]}" -v c="${m[coll_cpu.$a]}" \
    -v w="$idle_window" 'BEGIN {printf "%.1f s", (i * 3600 / w + c) / 1000}')
done
m[hour.exporter]=$(awk -v i="${m[idle_cpu.exporter]}" -v c="${m[coll_cpu.exporter]}" \
  -v w="$idle_window" 'BEGIN {printf "%.1f s", (i * 3600 / w + 60 * c) / 1000}')
m[hour.collectd]=$(hourf "${m[idle_cpu.collectd]}")
each echo hour "CPU per hour of default work (agent: idle + 1 collection; exporter: idle + 60 scrapes)"
echo
echo "collection: agent: $checks checks run, delivered and acknowledged (median of $collections);" \
  "node-exporter: one scrape, $metrics_lines samples (median of $collections);" \
  "collectd: CPU of the window / $((idle_window / collectd_interval)) intervals"
awk -v r="${m[idle_med.agent]}" 'BEGIN {
  printf "target: agent idle RSS under 15 MB (14.3 MiB): %s (median %.1f MiB)\n",
         (r * 1024 < 15e6) ? "met" : "NOT met", r / 1024 }'
echo "== candor-agent's idle RSS by mapping (KiB): RSS, of it anonymous, PSS"
awk '/^[0-9a-f]+-[0-9a-f]+ / {n = ($6 == "") ? "[anonymous: malloc arenas, thread stacks]" : $6}
  $1 == "Rss:" {r[n] += $2} $1 == "Anonymous:" {a[n] += $2} $1 == "Pss:" {s[n] += $2}
  END {for (n in r) if (r[n] >= 256) printf "%7d %7d %7d  %s\n", r[n], a[n], s[n], n}' \
  "$work/smaps.agent" | sort -rn
echo "== candor-agent's threads in the idle window: name (how many): CPU, times run"
join "$work/threads0" "$work/threads1" | awk '{n[$2]++; c[$2] += ($6 - $3) / 1e6; w[$2] += $7 - $4}
  END {for (t in n) printf "  %s (%d): %.1f ms, %d\n", t, n[t], c[t], w[t]}' | sort
