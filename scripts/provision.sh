#!/usr/bin/env bash
# Provisions everything the test suite and the benchmarks need on a fresh Debian machine:
# Debian packages, a running Docker Engine, the local busybox image and the npm packages.
# Idempotent: every step first checks whether its work is already done.
# Needs root (it installs packages and starts dockerd).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[provision] %s\n' "$*" >&2; }
. scripts/apt-install.sh

# The image every test container runs. No registry is reachable on CI machines,
# so it is imported from a busybox rootfs instead of pulled.
TEST_IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
command -v promtool >/dev/null 2>&1 || need_pkgs+=(prometheus)
# The second-daemon tests: their own network namespace (ip, unshare, nsenter) and TLS certificates.
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v nsenter >/dev/null 2>&1 || need_pkgs+=(util-linux)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
# The audit tests: auditd with auditctl, ausearch and aureport (the reference parsers).
command -v auditd >/dev/null 2>&1 || need_pkgs+=(auditd)
# docker-compose.yml is validated with Debian's docker-compose (`docker-compose config`), and run.
command -v docker-compose >/dev/null 2>&1 || need_pkgs+=(docker-compose)
# The systemd unit is checked with systemd-analyze verify; its privileges are tried with setpriv (util-linux).
command -v systemd-analyze >/dev/null 2>&1 || need_pkgs+=(systemd)
command -v setpriv >/dev/null 2>&1 || need_pkgs+=(util-linux)
# The docker-socket-proxy variant is tried for real behind a GET-only haproxy.
command -v haproxy >/dev/null 2>&1 || need_pkgs+=(haproxy)
# --output=junit is validated against the JUnit schema (test/fixtures/junit/JUnit.xsd) and read back with xmllint.
command -v xmllint >/dev/null 2>&1 || need_pkgs+=(libxml2-utils)
install_debian_packages "${need_pkgs[@]}"

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; last log lines:"; tail -20 /var/log/dockerd.log >&2; exit 1; }
fi
log "docker engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# auditd writes /var/log/audit/audit.log; the audit tests add (and remove) their own watches.
if ! pgrep -x auditd >/dev/null 2>&1; then
  log "starting auditd"
  mkdir -p /var/log/audit
  auditd || { log "auditd did not start"; exit 1; }
  for _ in $(seq 1 20); do
    auditctl -s 2>/dev/null | grep -q '^pid [1-9]' && break
    sleep 0.5
  done
fi
# The kernel's audit backlog, as Debian's /etc/audit/rules.d/audit.rules sets it (-b 8192):
# started by hand rather than by its service, auditd loads no rules, and the kernel's default
# of 64 queued records makes a busy writer wait and records get lost, so the rotation tests
# wait in vain under load. Only raised, never lowered.
if [ "$(auditctl -s | awk '/^backlog_limit/ {print $2}')" -lt 8192 ]; then
  log "raising the kernel's audit backlog to 8192 records"
  auditctl -b 8192 >/dev/null
fi

if ! docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
  log "importing $TEST_IMAGE from /bin/busybox"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in sh sleep cat echo ls true false id wget nc ps kill env; do
    ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/sh"]' - "$TEST_IMAGE" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
# Podman's Docker-compatible API service, for the Podman integration tests.
bash scripts/provision-podman.sh
bash scripts/provision-rootless.sh # a rootless dockerd beside this one, for test/integration/rootless.test.ts
log "ready"
