#!/usr/bin/env bash
# Issue 4's comparison: all posture collectors once (`candor-agent check`), side by side in
# one run with `lynis audit system --quick`, what an admin would run today; then the
# verdicts of the checks both make, next to each other. Needs root (Lynis and the firewall
# check read root-only state). Results are recorded in docs/benchmarks.md.
# Usage: scripts/bench/lynis_compare.sh [CANDOR_RUNS]   (default 20)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
"$root/scripts/setup.sh"
command -v lynis >/dev/null || {
  echo "lynis is not installed (apt-get install lynis)" >&2
  exit 1
}
runs=${1:-20}
build=build-bench
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCANDOR_BENCH=ON -DCANDOR_BUILD_TESTS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target candor-agent >/dev/null
agent="$build/agent/candor-agent"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s%N; }
echo "== $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r), lynis $(lynis --version)"

times=()
for ((i = 0; i < runs; i++)); do
  s=$(now)
  "$agent" check --format table >"$out/candor.txt"
  times+=($(($(now) - s)))
done
median_ns=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$((runs / 2 + 1))p")

s=$(now)
lynis audit system --quick --no-colors --logfile "$out/lynis.log" \
  --report-file "$out/lynis.dat" >/dev/null 2>&1
lynis_ns=$(($(now) - s))

awk -v c="$median_ns" -v l="$lynis_ns" -v n="$runs" 'BEGIN {
  printf "candor-agent check, all collectors: median of %d runs %.1f ms\n", n, c / 1e6
  printf "lynis audit system --quick:         one run %.1f s\n", l / 1e9
  printf "ratio: candor is %.0f times faster\n", l / c }'

verdict() { awk -v id="$1" '$1 == id { print $3 }' "$out/candor.txt"; }
key() { grep -m1 "^$1=" "$out/lynis.dat" | cut -d= -f2- || true; }
logline() { grep -m1 -A3 "test ID $1 " "$out/lynis.log" | grep -E "Result|Suggestion" | head -n1 |
  sed 's/^[0-9-]* [0-9:]* //' || true; }

echo
printf '%-16s %-15s %s\n' "CHECK" "CANDOR" "LYNIS"
printf '%-16s %-15s %s\n' "secure_boot" "$(verdict secure_boot)" \
  "BOOT-5116 boot_uefi_booted=$(key boot_uefi_booted) boot_uefi_booted_secure=$(key boot_uefi_booted_secure)"
printf '%-16s %-15s %s\n' "local_admins" "$(verdict local_admins)" "AUTH-9204 $(logline AUTH-9204)"
printf '%-16s %-15s %s\n' "auto_updates" "$(verdict auto_updates)" \
  "PKGS-7420 $(logline PKGS-7420)"
printf '%-16s %-15s %s\n' "firewall" "$(verdict firewall)" \
  "FIRE-4502/4590 firewall_active=$(key firewall_active) firewall_software=$(key 'firewall_software\[\]')"
printf '%-16s %-15s %s\n' "ssh_server" "$(verdict ssh_server)" \
  "SSH-7408 ssh_daemon_running=$(key ssh_daemon_running)"
printf '%-16s %-15s %s\n' "time_sync" "$(verdict time_sync)" \
  "TIME-3104 ntp_daemon_running=$(key ntp_daemon_running)"
printf '%-16s %-15s %s\n' "antivirus" "$(verdict antivirus)" \
  "MALW-3280.. malware_scanner_installed=$(key malware_scanner_installed)"
printf '%-16s %-15s %s\n' "disk_encryption" "$(verdict disk_encryption)" \
  "CRYP-7930 encryption=$(key 'encryption\[\]')"
