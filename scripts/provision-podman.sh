#!/usr/bin/env bash
# Provisions Podman's Docker-compatible API service for the Podman integration tests:
# Debian's podman (with runc), the containers.conf these machines need, the API service on
# unix:///run/podman/podman.sock, and the test image loaded from the local dockerd.
# Idempotent: every step first checks whether its work is already done. Needs root.
#
# Why this containers.conf (found on these machines): crun fails on their hybrid cgroup
# layout, so runc with cgroupfs; and Podman's default NOFILE ulimit is refused here, so none.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[provision-podman] %s\n' "$*" >&2; }
. scripts/apt-install.sh

PODMAN_SOCKET="${DOCKER_AUDIT_PODMAN_SOCKET:-/run/podman/podman.sock}"
TEST_IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
CONF=/etc/containers/containers.conf

need_pkgs=()
command -v podman >/dev/null 2>&1 || need_pkgs+=(podman)
command -v runc >/dev/null 2>&1 || need_pkgs+=(runc)
install_debian_packages "${need_pkgs[@]}"

wanted_conf='# Written by docker-audit-exporter scripts/provision-podman.sh for its Podman tests.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
'
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$(printf '%s' "$wanted_conf")" ]; then
  if [ -f "$CONF" ] && ! grep -q 'docker-audit-exporter' "$CONF"; then
    cp "$CONF" "$CONF.before-docker-audit-exporter"
    log "kept the previous $CONF as $CONF.before-docker-audit-exporter"
  fi
  mkdir -p /etc/containers
  printf '%s' "$wanted_conf" > "$CONF"
fi

socket_answers() { curl -sf --max-time 5 --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null 2>&1; }
if ! socket_answers; then
  log "starting podman system service on $PODMAN_SOCKET"
  mkdir -p "$(dirname "$PODMAN_SOCKET")" /var/log
  setsid podman system service --time=0 "unix://$PODMAN_SOCKET" >/var/log/podman-service.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    socket_answers && break
    sleep 0.5
  done
  socket_answers || { log "podman service did not come up; last log lines:"; tail -20 /var/log/podman-service.log >&2; exit 1; }
fi
log "podman $(podman version --format '{{.Server.Version}}' 2>/dev/null || podman --version)"

# Podman names an image loaded from a docker save as localhost/NAME.
if ! podman image exists "localhost/$TEST_IMAGE" 2>/dev/null; then
  log "loading $TEST_IMAGE into podman from dockerd"
  docker save "$TEST_IMAGE" | podman load >/dev/null
fi
log "ready"
