#!/usr/bin/env bash
# Provisions a rootless Docker Engine for test/integration/rootless.test.ts, beside the rootful
# one (which it never touches): Debian's rootlesskit, uidmap and slirp4netns, the unprivileged
# user dae-rootless with subordinate uid and gid ranges, its runtime folder as XDG_RUNTIME_DIR,
# and docker.io's own dockerd-rootless.sh started as that user. Then the test image is loaded
# into it. Idempotent: every step first checks whether its work is already done.
# Needs root (it installs packages, adds a user and starts the daemon as that user).
#   bash scripts/provision-rootless.sh          provision (and start) it
#   bash scripts/provision-rootless.sh stop     stop that daemon (the user and its files stay)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[provision-rootless] %s\n' "$*" >&2; }
. scripts/apt-install.sh

ROOTLESS_USER=dae-rootless
ROOTLESS_HOME=/var/lib/dae-rootless
# 65536 subordinate ids, away from where useradd hands out ranges (100000 up), so a user added later cannot overlap.
SUBID_FIRST=300000
SUBID_LAST=365535
TEST_IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
LOG_FILE=/var/log/dae-rootless-dockerd.log
PID_FILE=/run/dae-rootless-rootlesskit.pid

if [ "$(id -u)" -ne 0 ]; then
  log "needs root: it installs packages, adds the user $ROOTLESS_USER and starts its daemon"; exit 1
fi

if [ "${1:-}" = stop ]; then
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    log "stopping the rootless dockerd (rootlesskit pid $(cat "$PID_FILE"))"
    kill "$(cat "$PID_FILE")"
    for _ in $(seq 1 30); do kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$PID_FILE"
  exit 0
fi

need_pkgs=()
command -v rootlesskit >/dev/null 2>&1 || need_pkgs+=(rootlesskit)
command -v newuidmap >/dev/null 2>&1 || need_pkgs+=(uidmap)
command -v slirp4netns >/dev/null 2>&1 || need_pkgs+=(slirp4netns)
command -v setpriv >/dev/null 2>&1 || need_pkgs+=(util-linux)
# dockerd-rootless.sh comes with docker.io, which provision.sh installs; alone, install it here.
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
install_debian_packages "${need_pkgs[@]}"
DOCKERD_ROOTLESS=/usr/share/docker.io/contrib/dockerd-rootless.sh
[ -x "$DOCKERD_ROOTLESS" ] || { log "$DOCKERD_ROOTLESS is missing (it comes with Debian's docker.io)"; exit 1; }

if ! id "$ROOTLESS_USER" >/dev/null 2>&1; then
  log "adding the system user $ROOTLESS_USER (home $ROOTLESS_HOME)"
  useradd --system --create-home --home-dir "$ROOTLESS_HOME" --shell /usr/sbin/nologin "$ROOTLESS_USER"
fi
uid="$(id -u "$ROOTLESS_USER")"
gid="$(id -g "$ROOTLESS_USER")"
# newuidmap/newgidmap map the user's subordinate ids into the namespace; a system user gets none by default.
grep -q "^$ROOTLESS_USER:" /etc/subuid 2>/dev/null || usermod --add-subuids "$SUBID_FIRST-$SUBID_LAST" "$ROOTLESS_USER"
grep -q "^$ROOTLESS_USER:" /etc/subgid 2>/dev/null || usermod --add-subgids "$SUBID_FIRST-$SUBID_LAST" "$ROOTLESS_USER"

# slirp4netns opens /dev/net/tun inside the user's namespace, as that user. Debian's udev makes it
# 0666 (50-udev-default.rules); a machine without udev may have it 0600 ("open: Permission denied"
# from rootlesskit's "ip tuntap add"), or not at all.
if [ ! -c /dev/net/tun ]; then
  log "creating /dev/net/tun"
  mkdir -p /dev/net && mknod -m 0666 /dev/net/tun c 10 200
fi
if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  log "/dev/net/tun is mode $(stat -c %a /dev/net/tun): making it 0666, as udev does"
  chmod 0666 /dev/net/tun
fi

# The runtime folder systemd-logind would make: XDG_RUNTIME_DIR, where dockerd puts its socket.
runtime_dir="/run/user/$uid"
if [ ! -d "$runtime_dir" ]; then
  mkdir -p "$runtime_dir"
fi
chown "$uid:$gid" "$runtime_dir"
chmod 0700 "$runtime_dir"
socket="$runtime_dir/docker.sock"

# The rootless daemon's daemon.json, where dockerd looks for it when rootless: the test sees it read from there.
config_dir="$ROOTLESS_HOME/.config/docker"
if [ ! -f "$config_dir/daemon.json" ]; then
  install -d -o "$uid" -g "$gid" -m 0700 "$ROOTLESS_HOME/.config" "$config_dir"
  printf '{\n  "log-opts": { "max-size": "10m", "max-file": "3" }\n}\n' > "$config_dir/daemon.json"
  chown "$uid:$gid" "$config_dir/daemon.json"
  chmod 0600 "$config_dir/daemon.json"
fi

# Every command as the user, with the environment a login would give it and nothing of ours.
as_user() {
  setpriv --reuid="$uid" --regid="$gid" --init-groups \
    env -i HOME="$ROOTLESS_HOME" USER="$ROOTLESS_USER" LOGNAME="$ROOTLESS_USER" XDG_RUNTIME_DIR="$runtime_dir" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DOCKER_HOST="unix://$socket" "$@"
}
answers() { (cd "$ROOTLESS_HOME" && as_user docker info >/dev/null 2>&1); }

if ! answers; then
  log "starting the rootless dockerd as $ROOTLESS_USER (socket $socket, log $LOG_FILE)"
  : > "$LOG_FILE"
  # setsid: its own session, so it outlives this script and CI's shell, as provision.sh's dockerd does.
  # dockerd-rootless.sh execs rootlesskit, so the pid recorded is rootlesskit's (stop kills it, and dockerd with it).
  (cd "$ROOTLESS_HOME" && exec setsid setpriv --reuid="$uid" --regid="$gid" --init-groups \
    env -i HOME="$ROOTLESS_HOME" USER="$ROOTLESS_USER" LOGNAME="$ROOTLESS_USER" XDG_RUNTIME_DIR="$runtime_dir" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$DOCKERD_ROOTLESS") >>"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 60); do
    answers && break
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break
    sleep 1
  done
  answers || { log "the rootless dockerd did not come up; last log lines:"; tail -20 "$LOG_FILE" >&2; exit 1; }
fi
log "rootless docker engine $(cd "$ROOTLESS_HOME" && as_user docker version --format '{{.Server.Version}}') at unix://$socket"

if ! (cd "$ROOTLESS_HOME" && as_user docker image inspect "$TEST_IMAGE" >/dev/null 2>&1); then
  log "loading $TEST_IMAGE into the rootless engine"
  docker save "$TEST_IMAGE" | (cd "$ROOTLESS_HOME" && as_user docker load >/dev/null)
fi
