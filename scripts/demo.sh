#!/usr/bin/env bash
# Shows Candor's main job on a fresh machine: a throwaway PKI, candor-server on loopback
# with SQLite storage in a temporary directory, an agent that runs its checks once and
# delivers them over mutual TLS, and what the server stored. Cleans up after itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"

build=${CANDOR_BUILD_DIR:-$root/build}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
echo "== building (in $build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target candor-server candor-agent >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/candor-demo-XXXXXX")
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== creating a throwaway PKI"
"$root/scripts/dev-pki.sh" "$work/pki" >/dev/null
echo "device identity: $(cat "$work/pki/device.uri")"

cat >"$work/server.yaml" <<YAML
listen: 127.0.0.1:0
tls:
  cert: pki/server.pem
  key: pki/server.key
  client_ca: pki/ca.pem
storage: server.db
YAML

echo "== starting candor-server"
mkfifo "$work/server.out"
"$build/service/candor-server" --config "$work/server.yaml" >"$work/server.out" \
  2>"$work/server.log" &
server_pid=$!
exec 3<"$work/server.out"
if ! read -r -t 30 line <&3; then
  echo "candor-server did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
echo "$line"
port=${line##*:}

# The example policy for a company laptop: every posture check this agent has.
cp "$root/config/examples/company-laptop.yaml" "$work/policy.yaml"
write_agent_config() { # file cert ca
  cat >"$1" <<YAML
server: localhost:$port
tls: {ca: pki/$3.pem, cert: pki/$2.pem, key: pki/$2.key}
state_dir: state-$2
policy: policy.yaml
connect_timeout: 3s
YAML
}
write_agent_config "$work/agent.yaml" device ca
write_agent_config "$work/rogue.yaml" rogue-device ca

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

echo "== what the server stored"
"$build/service/candor-server" export --config "$work/server.yaml" --format table
echo
echo "== the same as JSON lines (first event)"
"$build/service/candor-server" export --config "$work/server.yaml" --format jsonl | sed -n 1p  # sed reads to the end: no SIGPIPE for export

echo "== stopping the server"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
sed 's/^/  server log: /' "$work/server.log" | grep -v "^  server log: E[0-9]" || true
echo "== demo finished"
