#!/usr/bin/env bash
# Shows Candor's main job on a fresh machine: a new installation (candor-server init: CA,
# certificates, config) with SQLite storage in a temporary directory on loopback, a tenant
# and an enrollment token made with candorctl, an agent that enrolls with it, runs its
# checks once and delivers them over mutual TLS, the device list, a signed policy push,
# the compliance report, and what the server stored. Cleans up after itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"

build=${CANDOR_BUILD_DIR:-$root/build}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
echo "== building (in $build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target candor-server candor-agent candorctl >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/candor-demo-XXXXXX")
server_pid=""
agent_pid=""
cleanup() {
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== a new installation: candor-server init"
"$build/service/candor-server" init --dir "$work/install" --listen 127.0.0.1:0 \
  --metrics-listen 127.0.0.1:0 --admin mia
"$root/scripts/dev-pki.sh" "$work/pki" >/dev/null  # only for the rogue device below

echo "== starting candor-server"
mkfifo "$work/server.out"
"$build/service/candor-server" --config "$work/install/server.yaml" >"$work/server.out" \
  2>"$work/server.log" &
server_pid=$!
exec 3<"$work/server.out"
# First "metrics on http://127.0.0.1:PORT/metrics", then "listening on 127.0.0.1:PORT".
if ! read -r -t 30 metrics_line <&3 || ! read -r -t 30 line <&3; then
  echo "candor-server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
echo "$metrics_line"
echo "$line"
metrics_url=${metrics_line#metrics on }
port=${line##*:}

ctl() {
  "$build/service/candorctl" --server "localhost:$port" --ca "$work/install/ca.pem" \
    --cert "$work/install/mia.pem" --cert-key "$work/install/mia.key" "$@"
}
echo "== candorctl: a tenant and a one-use enrollment token (the server keeps only its hash)"
ctl tenant create demo
token=$(ctl token create --tenant demo --group laptops --uses 1 --ttl 1h)

echo "== candor-agent enroll: a key made here, a certificate from the server"
"$build/agent/candor-agent" enroll --server "localhost:$port" --ca "$work/install/ca.pem" \
  --token "$token" --state-dir "$work/state-device"
echo "its certificate names it:"
openssl x509 -noout -ext subjectAltName -in "$work/state-device/identity/device.pem" |
  sed -n 2p | sed 's/^ */  /'

echo "== candorctl keys create: the admin's policy signing key (it never goes to the server)"
pin=$("$build/service/candorctl" keys create --out "$work/signing.key")

# The example policy for a company laptop: every posture check this agent has.
sed 's/tenant: acme/tenant: demo/' "$root/config/examples/company-laptop.yaml" >"$work/policy.yaml"
cat >"$work/agent.yaml" <<YAML
server: localhost:$port
state_dir: state-device   # its identity is in state-device/identity
policy: policy.yaml
policy_keys: ["$pin"]     # whose signed policies it takes from the server
connect_timeout: 3s
YAML
cat >"$work/rogue.yaml" <<YAML
server: localhost:$port
tls: {ca: install/ca.pem, cert: pki/rogue-device.pem, key: pki/rogue-device.key}
state_dir: state-rogue
policy: policy.yaml
connect_timeout: 3s
YAML

echo "== what the agent will check, run locally (candor-agent check sends nothing)"
"$build/agent/candor-agent" check --policy "$work/policy.yaml"

echo "== running the agent once: every check, delivered over mutual TLS"
"$build/agent/candor-agent" --config "$work/agent.yaml" --once

echo "== a device whose certificate comes from another CA is refused"
if "$build/agent/candor-agent" --config "$work/rogue.yaml" --once 2>"$work/rogue.err"; then
  echo "unexpected: the rogue device was accepted" >&2
  exit 1
fi
echo "refused, as it must be (exit 1; its event stays in its own spool):"
grep -v "^E[0-9]" "$work/rogue.err" | sed 's/^/  /' || true

echo "== candorctl device list"
ctl device list --tenant demo

echo "== the agent as a service; an admin pushes version 2 of the policy, signed"
"$build/agent/candor-agent" --config "$work/agent.yaml" 2>"$work/agent.log" &
agent_pid=$!
sed 's/version: 1/version: 2/; s/interval: 1h /interval: 30m/' "$work/policy.yaml" >"$work/policy-v2.yaml"
for _ in $(seq 50); do  # until its stream is open (at most 10 s)
  grep -q "running" "$work/agent.log" && break
  sleep 0.2
done
sleep 0.5
ctl policy push "$work/policy-v2.yaml" --tenant demo --group laptops --key "$work/signing.key"
applied=""
for _ in $(seq 50); do  # until the device reports it (at most 10 s)
  applied=$(ctl device list --tenant demo --format json | grep -c '"policy_version": 2' || true)
  [ "$applied" = "1" ] && break
  sleep 0.2
done
ctl device list --tenant demo
sleep 1.5  # the agent writes its status at most once a second
echo "== what the employee sees on the device (any local user): candor-agent status"
"$build/agent/candor-agent" status --config "$work/agent.yaml" | sed -n 1,12p
kill -TERM "$agent_pid"
wait "$agent_pid" || true
agent_pid=""
sed 's/^/  agent log: /' "$work/agent.log" | grep -v "^  agent log: E[0-9]" || true
if [ "$applied" != "1" ]; then
  echo "the agent did not apply the pushed policy" >&2
  exit 1
fi

echo "== candor-agent explain: the policy in force, in plain words (first lines)"
"$build/agent/candor-agent" explain --config "$work/agent.yaml" | sed -n 1,16p
echo "  ..."
echo "== candor-agent ledger: what was sent, decoded (the last event)"
"$build/agent/candor-agent" ledger --config "$work/agent.yaml" --since 1h | tail -n 8

echo "== candorctl report compliance: which devices meet the policy (high and critical checks)"
ctl report compliance --tenant demo
echo
echo "== the same per device (admins only; the request is audited)"
ctl report compliance --tenant demo --devices | sed -n '/^DEVICE/,$p'
echo
echo "== one device's latest results"
ctl report device "$(ctl device list --tenant demo --format json | sed -n 's/.*"device_id": "\(.*\)".*/\1/p' | head -1)"
echo

echo "== what the server stored"
"$build/service/candor-server" export --config "$work/install/server.yaml" --format table
echo
echo "== the same as JSON lines (first event)"
"$build/service/candor-server" export --config "$work/install/server.yaml" --format jsonl | sed -n 1p  # sed reads to the end: no SIGPIPE for export

echo "== the audit log"
ctl audit

echo "== the server's health metrics (Prometheus text at $metrics_url; counters only, no names)"
metrics_port=${metrics_url##*:}
metrics_port=${metrics_port%%/*}
# Plain bash (no curl needed): HTTP/1.0, so the server closes after its answer.
exec 4<>"/dev/tcp/127.0.0.1/$metrics_port"
printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&4
tr -d '\r' <&4 | grep -E '^candor_server_(connected_agents|events_|batch_latency_seconds_count|rejected_calls_total\{service="agent")'
exec 4<&-

echo "== stopping the server"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
sed 's/^/  server log: /' "$work/server.log" | grep -v "^  server log: E[0-9]" || true
echo "== demo finished"
