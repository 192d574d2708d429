#!/usr/bin/env bash
# Records what the exec audit's unit tests replay for Podman, from the real podman service
# that scripts/provision-podman.sh starts: the compat /events stream of a scripted set of
# `podman exec` runs, a create and a remove, and the container's inspect (compat API).
#   recorded-exec-events.json      the events of the container, in order (create ... remove)
#   recorded-exec-containers.json  its inspect, taken while it runs
# Podman 4.3 emits "exec" (not exec_create/exec_start) with no execID, "exec_died", and
# "remove" (not destroy); `podman exec` sessions are gone once they end, so there is no exec
# inspect to record.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="localhost/${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
OUT=test/fixtures/podman-4.3
P=fixture-rec-podman-exec
API=http://podman/v1.41
SOCK="${DOCKER_AUDIT_PODMAN_SOCKET:-/run/podman/podman.sock}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
podman rm -f -t 0 "$P" >/dev/null 2>&1 || true

filters=$(node -e 'process.stdout.write(encodeURIComponent(JSON.stringify({container: [process.argv[1]]})))' "$P")
curl -sN --unix-socket "$SOCK" "$API/events?filters=$filters" > "$TMP/events.jsonl" &
CURL=$!
sleep 0.5

podman run -d --name "$P" --network none "$IMAGE" sleep 3600 >/dev/null
podman exec "$P" id >/dev/null                    # the container's user: "" = root
podman exec -u 0 "$P" id >/dev/null               # root
podman exec -u nobody "$P" id >/dev/null          # not root
podman exec --privileged "$P" id >/dev/null       # privileged and root
curl -sf --unix-socket "$SOCK" "$API/containers/$P/json" > "$TMP/container.json"
podman rm -f -t 0 "$P" >/dev/null
sleep 0.5
kill "$CURL" 2>/dev/null || true
wait "$CURL" 2>/dev/null || true

node - "$TMP" "$OUT" <<'JS'
const fs = require('fs');
const path = require('path');
const [tmp, out] = process.argv.slice(2);
const events = fs.readFileSync(path.join(tmp, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const write = (name, value) => fs.writeFileSync(path.join(out, name), JSON.stringify(value, null, 2) + '\n');
write('recorded-exec-events.json', events);
write('recorded-exec-containers.json', [JSON.parse(fs.readFileSync(path.join(tmp, 'container.json'), 'utf8'))]);
console.log(`${events.length} events`);
JS
