#!/usr/bin/env bash
# Records the GET /containers/{id}/top answers the processes unit tests use, from the real
# Docker Engine (20.10, API 1.41). Every object it creates is named fixture-rec-top-*,
# labelled docker-audit-test=processes, and removed at the end; nothing else is touched.
#
# Writes test/fixtures/engine-20.10/:
#   recorded-top-sleeps.json       busybox `sh -c 'sleep 1000 & sleep 1000 & wait'`: 3 processes
#   recorded-top-fullos.json       busybox init as PID 1 (reached through a /sbin/init symlink),
#                                  respawning crond, syslogd and sleep (symlinks too): 4 processes,
#                                  of which init and crond are in the default whole-OS list
#   recorded-top-sshd-title.json   node, its process title set to "sshd: root@pts/0" as sshd
#                                  sets its own, and a child `sleep 1000`: 2 processes (needs
#                                  the docker-audit-test/node:local image; skipped without it)
#   recorded-top-errors.json       the status and body of a top of a stopped container (409)
#                                  and of a container that does not exist (404)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
NODE_IMAGE="${DOCKER_AUDIT_TEST_NODE_IMAGE:-docker-audit-test/node:local}"
OUT=test/fixtures/engine-20.10
P=fixture-rec-top
LABEL=docker-audit-test=processes
API=http://docker/v1.41
mkdir -p "$OUT"

pretty() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,2)+"\n"))'; }
top() { curl -sf --unix-socket /var/run/docker.sock "$API/containers/$(docker inspect -f '{{.Id}}' "$1")/top" | pretty; }
cleanup() {
  docker rm -f $(docker ps -aq --filter "label=$LABEL" --filter "name=^$P-") >/dev/null 2>&1 || true
  docker rmi -f "$P/fullos:1" >/dev/null 2>&1 || true
}
cleanup
trap cleanup EXIT

printf 'FROM %s\n%s\n%s\n' "$IMAGE" \
  "RUN mkdir -p /sbin /usr/sbin /var/spool/cron/crontabs /var/log && ln -s /bin/busybox /sbin/init && ln -s /bin/busybox /usr/sbin/crond && ln -s /bin/busybox /sbin/syslogd && printf '::respawn:/usr/sbin/crond -f\n::respawn:/sbin/syslogd -n\n::respawn:/bin/sleep 1000\n' > /etc/inittab" \
  'CMD ["/sbin/init"]' | docker build -q --label "$LABEL" -t "$P/fullos:1" - >/dev/null

run() { docker run -d --label "$LABEL" --network none --name "$@" >/dev/null; }
run "$P-sleeps" "$IMAGE" sh -c 'sleep 1000 & sleep 1000 & wait'
run "$P-fullos" "$P/fullos:1"
if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  run "$P-sshd-title" "$NODE_IMAGE" node -e "process.title = 'sshd: root@pts/0'; require('child_process').spawn('sleep', ['1000'], { stdio: 'ignore' }); setInterval(() => {}, 1e6)"
fi
docker create --label "$LABEL" --network none --name "$P-stopped" "$IMAGE" sleep 1000 >/dev/null
sleep 3 # init respawns its children, node spawns its child

top "$P-sleeps" > "$OUT/recorded-top-sleeps.json"
top "$P-fullos" > "$OUT/recorded-top-fullos.json"
if docker inspect "$P-sshd-title" >/dev/null 2>&1; then top "$P-sshd-title" > "$OUT/recorded-top-sshd-title.json"; fi
answer() { # container id -> {"status": N, "body": {...}}
  local body status
  body=$(curl -s -w '\n%{http_code}' --unix-socket /var/run/docker.sock "$API/containers/$1/top")
  status=${body##*$'\n'}
  printf '{"status": %s, "body": %s}' "$status" "${body%$'\n'*}"
}
printf '{"stopped": %s, "missing": %s}' "$(answer "$(docker inspect -f '{{.Id}}' "$P-stopped")")" "$(answer "$(printf 'f%.0s' {1..64})")" | pretty > "$OUT/recorded-top-errors.json"
echo "recorded the top answers into $OUT"
