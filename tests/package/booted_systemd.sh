# Boots systemd as PID 1 in a container made of this machine's own file system, so the
# installed packages' units run under a real service manager even where PID 1 is not
# systemd (CI). Sourced by tests/package/install_test.sh.
#
# systemd-nspawn (Debian's systemd-container) boots a bind mount of / with
# --volatile=overlay: the container sees every installed file (the package, its enabled
# unit, /var/lib/candor), and whatever it writes goes to a tmpfs that vanishes with it. It
# shares this machine's network, so a server on loopback here is reachable from inside.
# The mount point is only ever unmounted and rmdir'ed, never removed recursively: it shows
# the whole root file system.

boot_pid1=""   # the container's systemd, as this machine's pid namespace numbers it
boot_nspawn="" # the systemd-nspawn process
boot_root=""   # the bind mount of /

# inside COMMAND...: runs COMMAND in the container (its mounts, /proc and systemd).
inside() {
  timeout 60 nsenter -t "$boot_pid1" -m -u -i -p -- "$@"
}

# boot_systemd LOG: boots the container, waits until systemd has started every unit it
# starts at boot (multi-user.target). Returns 1, with the reason in LOG, where systemd
# cannot be booted here (no systemd-nspawn, no namespaces).
boot_systemd() {
  local log=$1 try state
  command -v systemd-nspawn >/dev/null || {
    echo "systemd-nspawn is not installed (systemd-container)" >"$log"
    return 1
  }
  boot_root=$(mktemp -d /run/candor-boot-XXXXXX)
  mount --bind / "$boot_root" || return 1
  # No machined or system bus on a machine without systemd: --register=no --keep-unit.
  # CAP_NET_ADMIN, which nspawn withholds by default, as a real machine's root has it: the
  # agent's unit keeps it for `nft list ruleset`. As the container shares this machine's
  # network, nothing in it may configure the network or the clock: those of this machine's
  # units are masked (systemd takes its argv as the kernel command line in a container), and
  # so are the apt timers.
  local masks=() unit
  for unit in networking.service systemd-networkd.service NetworkManager.service \
    dhcpcd.service wpa_supplicant.service systemd-timesyncd.service chrony.service \
    ntpsec.service apt-daily.timer apt-daily-upgrade.timer; do
    masks+=("systemd.mask=$unit")
  done
  systemd-nspawn --quiet -D "$boot_root" --volatile=overlay --register=no --keep-unit \
    --capability=CAP_NET_ADMIN -M candor-pkgtest --console=read-only --boot "${masks[@]}" \
    >"$log" 2>&1 &
  boot_nspawn=$!
  for ((try = 0; try < 300; try++)); do
    boot_pid1=$(pgrep -P "$boot_nspawn" -x systemd | head -1) || true
    [[ -n "$boot_pid1" ]] && break
    kill -0 "$boot_nspawn" 2>/dev/null || return 1
    sleep 0.2
  done
  [[ -n "$boot_pid1" ]] || return 1
  # "running", or "degraded" when a unit of this machine's own fails in a container
  # (its PostgreSQL cluster, say): either way the boot is over.
  for ((try = 0; try < 60; try++)); do
    state=$(inside systemctl is-system-running 2>/dev/null) || true
    if [[ $state == running || $state == degraded ]]; then
      # The masks took (else the container could reconfigure this machine's network).
      state=$(inside systemctl show -p LoadState --value systemd-timesyncd.service) || true
      [[ $state == masked ]] && return 0
      echo "systemd in the container did not take the masks (timesyncd is $state)" >>"$log"
      return 1
    fi
    sleep 1
  done
  echo "systemd did not finish booting: $state" >>"$log"
  return 1
}

# boot_shutdown: powers the container off (SIGKILL after 30 s) and removes the mount.
boot_shutdown() {
  local try
  if [[ -n "$boot_nspawn" ]] && kill -0 "$boot_nspawn" 2>/dev/null; then
    [[ -n "$boot_pid1" ]] && inside systemctl poweroff --no-block >/dev/null 2>&1
    for ((try = 0; try < 150; try++)); do
      kill -0 "$boot_nspawn" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$boot_nspawn" 2>/dev/null || true
    wait "$boot_nspawn" 2>/dev/null || true
  fi
  if [[ -n "$boot_root" ]]; then
    umount "$boot_root" 2>/dev/null || umount -l "$boot_root" 2>/dev/null || true
    rmdir "$boot_root" 2>/dev/null || true # fails, harmlessly, if still mounted
  fi
  boot_pid1="" boot_nspawn="" boot_root=""
}

# unit_property UNIT PROPERTY: one property's value, as systemctl show gives it.
unit_property() {
  inside systemctl show "$1" -p "$2" --value
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_until() {
  local tries=$(($1 * 2)) try
  shift
  for ((try = 0; try < tries; try++)); do
    "$@" && return 0
    sleep 0.5
  done
  return 1
}
