#!/usr/bin/env bash
# Installs the built Debian packages on this machine and checks what they do: the silent
# install of candor-agent (CANDOR_ENROLL_TOKEN, CANDOR_SERVER, CANDOR_CA, CANDOR_POLICY_KEYS)
# against a real candor-server started here on loopback, the files, the units (with
# systemd-analyze verify, and running under systemd booted in a container of this machine's
# own file system, tests/package/booted_systemd.sh: PID 1 is not systemd in CI), the
# enrolled state, remove (state kept) and purge (state gone); and candor-server's files,
# user, state directory and unit. Cleans up with dpkg --purge.
#
# Needs root and a throwaway Debian 12 machine (CI); refuses to run where Candor is
# installed already. Usage: tests/package/install_test.sh [BUILD_DIR] (default build/).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$root/build}")
if [[ $(id -u) -ne 0 ]]; then
  echo "install_test: skipped (needs root: it installs packages with dpkg)"
  exit 0
fi
for p in candor-agent candor-server; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
    echo "install_test: $p is installed on this machine; not touching it" >&2
    exit 1
  fi
done
for d in /var/lib/candor /var/lib/candor-server /etc/candor; do
  if [[ -e $d ]]; then
    echo "install_test: $d exists on this machine; not touching it" >&2
    exit 1
  fi
done
user_existed=0
getent passwd candor >/dev/null && user_existed=1

fail() {
  echo "install_test: FAILED: $*" >&2
  exit 1
}
check() { # description, command...
  local what=$1
  shift
  "$@" || fail "$what"
  echo "  ok: $what"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/candor-pkg-XXXXXX")
server_pid=""
# shellcheck source=tests/package/booted_systemd.sh
source "$root/tests/package/booted_systemd.sh"
cleanup() {
  boot_shutdown
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  dpkg --purge candor-agent candor-server >/dev/null 2>&1 || true
  rm -rf /var/lib/candor-server
  if [[ $user_existed -eq 0 ]] && getent passwd candor >/dev/null; then
    userdel candor 2>/dev/null || true
    getent group candor >/dev/null && groupdel candor 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== packages (scripts/package.sh --build-dir $build)"
mapfile -t debs < <(timeout 600 "$root/scripts/package.sh" --build-dir "$build" 2>"$work/package.log") ||
  { cat "$work/package.log" >&2; fail "scripts/package.sh"; }
agent_deb=$(printf '%s\n' "${debs[@]}" | grep '/candor-agent_')
server_deb=$(printf '%s\n' "${debs[@]}" | grep '/candor-server_')
echo "  $agent_deb"
echo "  $server_deb"
# Every shared library candor-agent needs comes from a package its Depends names (gRPC,
# protobuf and abseil are linked into it, cmake/BundledDeps.cmake; OpenSSL and the rest are
# not).
depends_on_what_it_links() {
  local depends soname path package candidate
  depends=$(dpkg-deb -f "$agent_deb" Depends | tr ',|' '\n\n' | awk '{print $1}')
  grep -qx libssl3 <<<"$depends" || return 1
  for soname in $(objdump -p "$build/agent/candor-agent" | awk '$1 == "NEEDED" {print $2}'); do
    path=$(ldconfig -p | awk -v so="$soname" '$1 == so && /x86-64/ {print $NF; exit}')
    package=""
    # dpkg knows a file by the path its package ships it at (/lib or /usr/lib).
    for candidate in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path"; do
      package=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) || true
      [[ -n "$package" ]] && break
    done
    if [[ -z "$package" ]] || ! grep -qx "$package" <<<"$depends"; then
      echo "  $soname (${package:-no package}) is not in the Depends: $depends" >&2
      return 1
    fi
  done
}
check "the agent package depends on every shared library it links (shlibdeps)" \
  depends_on_what_it_links
check "agent.yaml is a conffile" \
  bash -c "dpkg-deb --ctrl-tarfile '$agent_deb' | tar -xO ./conffiles | grep -qx /etc/candor/agent.yaml"

echo "== a candor-server on loopback, a tenant, a token (the binaries of the build tree)"
server_bin="$build/service/candor-server"
ctl_bin="$build/service/candorctl"
"$server_bin" init --dir "$work/install" --listen 127.0.0.1:0 --metrics-listen off \
  --admin mia >/dev/null
mkfifo "$work/server.out"
"$server_bin" --config "$work/install/server.yaml" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
exec 3<"$work/server.out"
line=""
while [[ $line != "listening on "* ]]; do # after "metrics on URL"
  read -r -t 30 line <&3 || { cat "$work/server.log" >&2; fail "candor-server did not start"; }
done
port=${line##*:}
ctl() {
  timeout 30 "$ctl_bin" --server "localhost:$port" --ca "$work/install/ca.pem" \
    --cert "$work/install/mia.pem" --cert-key "$work/install/mia.key" "$@"
}
ctl tenant create pkgtest >/dev/null
token=$(ctl token create --tenant pkgtest --uses 1 --ttl 1h)
pin=$(timeout 30 "$ctl_bin" keys create --out "$work/signing.key")

echo "== a silent install with a token missing CANDOR_CA fails and says why"
if CANDOR_ENROLL_TOKEN="$token" CANDOR_SERVER="localhost:$port" \
  timeout 120 dpkg -i "$agent_deb" >"$work/bad.out" 2>&1; then
  fail "dpkg -i succeeded without CANDOR_CA"
fi
check "the postinst names the missing variable" grep -q "CANDOR_CA is not" "$work/bad.out"
check "and never prints the token" bash -c "! grep -qF -- '$token' '$work/bad.out'"
dpkg --purge candor-agent >/dev/null

echo "== the silent install: dpkg -i with the enrollment in the environment"
CANDOR_ENROLL_TOKEN="$token" CANDOR_SERVER="localhost:$port" CANDOR_CA="$work/install/ca.pem" \
  CANDOR_POLICY_KEYS="$pin" timeout 120 dpkg -i "$agent_deb" </dev/null >"$work/install.out" 2>&1 ||
  { cat "$work/install.out" >&2; fail "dpkg -i candor-agent"; }
sed 's/^/  dpkg: /' "$work/install.out"
check "the token is not printed" bash -c "! grep -qF -- '$token' '$work/install.out'"
check "candor-agent in /usr/bin" test -x /usr/bin/candor-agent
check "candor-agent --version runs" bash -c "/usr/bin/candor-agent --version >/dev/null"
unit=/usr/lib/systemd/system/candor-agent.service
check "the unit is installed" test -f "$unit"
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify candor-agent.service" systemd-analyze verify "$unit"
fi
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/candor-agent.service
check "enrolled: identity/device.pem" test -s /var/lib/candor/identity/device.pem
check "device.key has mode 0600" test "$(stat -c %a /var/lib/candor/identity/device.key)" = 600
check "the config names the server" grep -qx "server: localhost:$port" /etc/candor/agent.yaml
check "the config pins the policy key" grep -qF "policy_keys: [\"$pin\"]" /etc/candor/agent.yaml
devices=$(ctl device list --tenant pkgtest --format json)
check "the server knows the enrolled device" grep -q '"device_id"' <<<"$devices"
check "the installed agent delivers with the installed config (--once)" \
  timeout 60 /usr/bin/candor-agent --config /etc/candor/agent.yaml --once
check "systemd is not PID 1 here: nothing was started, and the postinst said so" \
  bash -c "[ -d /run/systemd/system ] || grep -q 'starts at the next boot' '$work/install.out'"

echo "== the agent under a booted systemd (tests/package/booted_systemd.sh)"
# A signed policy for the agent to get from the server when the service connects.
sed 's/tenant: acme/tenant: pkgtest/' "$root/config/examples/company-laptop.yaml" \
  >"$work/policy.yaml"
ctl policy push "$work/policy.yaml" --tenant pkgtest --key "$work/signing.key" >/dev/null
device_id=$(grep -o '"device_id": *"[^"]*"' <<<"$devices" | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
agent_checks() { # the server's latest verdict of each check of the device: "check STATUS"
  sqlite3 "$work/install/candor.db" "SELECT check_id || ' ' || status FROM check_results
    WHERE device_id = '$device_id' ORDER BY check_id"
}
unsandboxed_checks() { # `candor-agent check` of the policy, in the container, no sandbox
  inside sh -c 'cat >/run/candor-policy.yaml' <"$work/policy.yaml"
  inside /usr/bin/candor-agent check --policy /run/candor-policy.yaml --format json |
    awk '/^      "check": / {c = $2} /^      "status": / && c != "" {print c, $2; c = ""}' |
    tr -d '",' | sort
}
policy_checks=$(/usr/bin/candor-agent check --policy "$work/policy.yaml" --format json |
  grep -c '^      "check": ')
all_checks_stored() { (($(agent_checks | wc -l) == policy_checks)); }
agent_active() { inside systemctl is-active --quiet candor-agent; }
says_its_status() { [[ $(unit_property candor-agent StatusText) == *policy* ]]; }
proc_status_has() { inside grep -q "$1" "/proc/$(unit_property candor-agent MainPID)/status"; }
read_only_but_its_state() { # its / is mounted read-only, /var/lib/candor read-write
  inside cat "/proc/$(unit_property candor-agent MainPID)/mountinfo" >"$work/mountinfo"
  awk '$5 == "/" {split($6, o, ","); if (o[1] != "ro") exit 1; seen++} END {exit !seen}' \
    "$work/mountinfo" &&
    awk '$5 == "/var/lib/candor" {split($6, o, ","); if (o[1] != "rw") exit 1; seen++}
      END {exit !seen}' "$work/mountinfo"
}
journal_has_levels() {
  grep -q '^SYSLOG_IDENTIFIER=candor-agent$' "$work/journal" &&
    grep -q '^PRIORITY=6$' "$work/journal"
}
journal_has_no_payload() { ! grep -qF -e '"facts"' -e "$token" "$work/journal"; }
restarted_once() {
  [[ $(unit_property candor-agent NRestarts) == 1 ]] && agent_active
}
stopped_cleanly() {
  [[ $(unit_property candor-agent Result) == success &&
    $(unit_property candor-agent ExecMainStatus) == 0 ]] && ((stop_ms < 15000))
}
said_why_it_stopped() {
  inside journalctl -u candor-agent -o cat --no-pager | grep -q 'received SIGTERM'
}
if boot_systemd "$work/boot.log"; then
  check "started at boot (enabled) and ready (Type=notify: active once it says READY=1)" \
    wait_until 60 agent_active
  check "its status line (sd_notify STATUS=)" says_its_status
  check "in the sandbox it ran the pushed policy and the server stored every check" \
    wait_until 120 all_checks_stored
  # Each check's verdict from the service, sandboxed, against `candor-agent check` run as
  # root without a sandbox on the same (container's) system: a missing capability or a
  # hidden path would change one.
  agent_checks | sort >"$work/sandboxed"
  unsandboxed_checks >"$work/unsandboxed"
  echo "  verdicts: $(tr '\n' ' ' <"$work/sandboxed")"
  check "the sandbox changes no check's verdict" diff "$work/unsandboxed" "$work/sandboxed"
  check "no new privileges" proc_status_has '^NoNewPrivs:[[:space:]]*1$'
  check "capabilities bounded to CAP_DAC_READ_SEARCH and CAP_NET_ADMIN" \
    proc_status_has '^CapBnd:[[:space:]]*0000000000001004$'
  check "ProtectSystem=strict: / read-only to it, /var/lib/candor writable" \
    read_only_but_its_state
  inside journalctl -u candor-agent -o export --no-pager >"$work/journal" || true
  check "its log lines are in the journal with levels" journal_has_levels
  check "and carry no event payload (facts) or token" journal_has_no_payload
  inside systemctl kill -s KILL candor-agent
  check "killed, it is restarted (Restart=on-failure, after RestartSec=10s)" \
    wait_until 40 restarted_once
  stop_start=$(date +%s%N)
  inside systemctl stop candor-agent
  stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
  check "systemctl stop: SIGTERM, a clean exit (status 0) in ${stop_ms} ms (< 15 s)" \
    stopped_cleanly
  check "and it said why it stopped" said_why_it_stopped

  # The RMM's silent install where systemd runs: a fresh install (the container's own
  # dpkg database and files; this machine's stay as they are) enrolls and starts at once.
  inside dpkg --purge candor-agent >/dev/null
  inside sh -c 'cat >/run/candor-agent.deb' <"$agent_deb"
  inside sh -c 'cat >/run/candor-ca.pem' <"$work/install/ca.pem"
  # Debian's container images forbid starting services at install (policy-rc.d exit 101); a
  # laptop has no such file. The first install shows what the postinst says then.
  if inside test -e /usr/sbin/policy-rc.d; then
    token_denied=$(ctl token create --tenant pkgtest --uses 1 --ttl 1h 2>/dev/null)
    inside env CANDOR_ENROLL_TOKEN="$token_denied" CANDOR_SERVER="localhost:$port" \
      CANDOR_CA=/run/candor-ca.pem dpkg -i /run/candor-agent.deb </dev/null \
      >"$work/denied.out" 2>&1 || { cat "$work/denied.out" >&2; fail "dpkg -i (policy-rc.d)"; }
    check "where policy-rc.d forbids starting services, the postinst says it did not start" \
      grep -q 'the service did not start here' "$work/denied.out"
    inside dpkg --purge candor-agent >/dev/null
    inside rm -f /usr/sbin/policy-rc.d
  fi
  token2=$(ctl token create --tenant pkgtest --uses 1 --ttl 1h 2>/dev/null)
  inside env CANDOR_ENROLL_TOKEN="$token2" CANDOR_SERVER="localhost:$port" \
    CANDOR_CA=/run/candor-ca.pem CANDOR_POLICY_KEYS="$pin" dpkg -i /run/candor-agent.deb \
    </dev/null >"$work/booted-install.out" 2>&1 ||
    { cat "$work/booted-install.out" >&2; fail "dpkg -i under systemd"; }
  sed 's/^/  dpkg: /' "$work/booted-install.out"
  check "the postinst enrolled it and started the service" \
    grep -q 'enrolled; service started' "$work/booted-install.out"
  check "active at once, no reboot" agent_active
  device_id=$(sed -n 's/.*enrolled as device \([^ ]*\) of tenant.*/\1/p' "$work/booted-install.out")
  check "the postinst named the new device" test -n "$device_id"
  check "the new device's results reach the server" wait_until 120 all_checks_stored
  first_pid=$(unit_property candor-agent MainPID)
  inside dpkg -i /run/candor-agent.deb </dev/null >"$work/booted-upgrade.out" 2>&1 ||
    { cat "$work/booted-upgrade.out" >&2; fail "dpkg -i again under systemd"; }
  restarted_on_upgrade() {
    agent_active && [[ $(unit_property candor-agent MainPID) != "$first_pid" ]]
  }
  check "installing over it restarts the service on the new binary" \
    wait_until 30 restarted_on_upgrade
  inside dpkg -r candor-agent >/dev/null
  not_running() {
    ! agent_active && ! inside pgrep -x candor-agent >/dev/null
  }
  not_enabled() {
    inside test ! -e /etc/systemd/system/multi-user.target.wants/candor-agent.service &&
      [[ $(unit_property candor-agent LoadState) == not-found ]]
  }
  check "dpkg -r stops the running service" not_running
  check "and disables it; the unit is gone" not_enabled
  check "and keeps its state" inside test -s /var/lib/candor/identity/device.pem
  inside dpkg --purge candor-agent >/dev/null
  check "dpkg --purge removes the state" inside test ! -e /var/lib/candor
  boot_shutdown
else
  echo "  SKIPPED: systemd cannot be booted in a container on this machine:" >&2
  sed 's/^/    /' "$work/boot.log" >&2
  boot_shutdown
fi

echo "== installing again over an enrolled device keeps its identity"
before=$(sha256sum /var/lib/candor/identity/device.pem)
CANDOR_ENROLL_TOKEN=unused CANDOR_SERVER="localhost:$port" CANDOR_CA="$work/install/ca.pem" \
  timeout 120 dpkg -i "$agent_deb" </dev/null >"$work/again.out" 2>&1 ||
  { cat "$work/again.out" >&2; fail "dpkg -i again"; }
check "already enrolled: the token is not used" grep -q "already enrolled" "$work/again.out"
check "the same identity" test "$(sha256sum /var/lib/candor/identity/device.pem)" = "$before"

echo "== dpkg -r: the service goes, the state stays"
timeout 120 dpkg -r candor-agent >/dev/null
check "the binary is gone" test ! -e /usr/bin/candor-agent
check "the unit is gone" test ! -e "$unit"
check "the unit is disabled" test ! -L /etc/systemd/system/multi-user.target.wants/candor-agent.service
check "/var/lib/candor stays (identity, spool)" test -s /var/lib/candor/identity/device.pem
check "/etc/candor/agent.yaml stays" test -f /etc/candor/agent.yaml

echo "== dpkg --purge: the state goes"
timeout 120 dpkg --purge candor-agent >/dev/null
check "/var/lib/candor is gone" test ! -e /var/lib/candor
check "/etc/candor/agent.yaml is gone" test ! -e /etc/candor/agent.yaml

echo "== candor-server: dpkg -i"
timeout 120 dpkg -i "$server_deb" </dev/null >"$work/server-install.out" 2>&1 ||
  { cat "$work/server-install.out" >&2; fail "dpkg -i candor-server"; }
sed 's/^/  dpkg: /' "$work/server-install.out"
check "candor-server and candorctl in /usr/bin" test -x /usr/bin/candor-server -a -x /usr/bin/candorctl
check "the system user candor exists, without a login shell" \
  bash -c "getent passwd candor | grep -q ':/usr/sbin/nologin$'"
check "/var/lib/candor-server belongs to candor, mode 0750" \
  test "$(stat -c '%U:%G %a' /var/lib/candor-server)" = "candor:candor 750"
sunit=/usr/lib/systemd/system/candor-server.service
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify candor-server.service" systemd-analyze verify "$sunit"
fi
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/candor-server.service
init_as_candor() {
  runuser -u candor -- /usr/bin/candor-server init --dir /var/lib/candor-server \
    --listen 127.0.0.1:0 --metrics-listen off --admin ops >/dev/null
}
check "the documented first step works: candor-server init as candor" init_as_candor
check "and makes the config the unit runs" test -f /var/lib/candor-server/server.yaml

echo "== candor-server under a booted systemd"
server_active() { inside systemctl is-active --quiet candor-server; }
server_port() { # from its journal: "listening on 127.0.0.1:PORT" (the config asks for port 0)
  inside journalctl -u candor-server -o cat --no-pager | sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' |
    tail -1
}
runs_as_candor_unprivileged() {
  local pid
  pid=$(unit_property candor-server MainPID)
  inside grep -q "^Uid:[[:space:]]*$(id -u candor)[[:space:]]" "/proc/$pid/status" &&
    inside grep -q '^CapBnd:[[:space:]]*0000000000000000$' "/proc/$pid/status" &&
    inside grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status"
}
serves_admins() { # candorctl from here, as the admin `init` made, against the unit's server
  timeout 30 "$ctl_bin" --server "localhost:$(server_port)" \
    --ca /var/lib/candor-server/ca.pem --cert /var/lib/candor-server/ops.pem \
    --cert-key /var/lib/candor-server/ops.key tenant create booted >/dev/null
}
server_stopped_cleanly() {
  [[ $(unit_property candor-server Result) == success &&
    $(unit_property candor-server ExecMainStatus) == 0 ]] && ((stop_ms < 30000))
}
if boot_systemd "$work/boot-server.log"; then
  check "started at boot (enabled) and ready (Type=notify)" wait_until 60 server_active
  check "as user candor, no capabilities, no new privileges" runs_as_candor_unprivileged
  check "it serves candorctl over mutual TLS (tenant create)" wait_until 30 serves_admins
  stop_start=$(date +%s%N)
  inside systemctl stop candor-server
  stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
  check "systemctl stop: a clean exit (status 0) in ${stop_ms} ms (< 30 s)" server_stopped_cleanly
  boot_shutdown
else
  echo "  SKIPPED: systemd cannot be booted in a container on this machine:" >&2
  sed 's/^/    /' "$work/boot-server.log" >&2
  boot_shutdown
fi
timeout 120 dpkg --purge candor-server >/dev/null
check "purged: the binaries are gone" test ! -e /usr/bin/candor-server
check "purged: the server's data stays (the CA, every device's events)" \
  test -f /var/lib/candor-server/server.yaml

echo "== install_test: all checks passed"
