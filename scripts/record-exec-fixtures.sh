#!/usr/bin/env bash
# Records what the events collector's unit tests replay, from the real Docker Engine that
# scripts/provision.sh starts: the event stream of a scripted set of `docker exec` runs, the
# exec inspects (taken while the execs still exist) and the containers' inspects.
#   recorded-exec-events.json      the events of both containers, in order (create ... destroy)
#   recorded-exec-inspects.json    exec id -> GET /exec/{id}/json (finished healthcheck probes are gone: 404, absent)
#   recorded-exec-containers.json  the two containers' inspects
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
OUT=test/fixtures/engine-20.10
P=fixture-rec-exec
API=http://docker/v1.41
SOCK=/var/run/docker.sock
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
docker rm -f "$P-root" "$P-user" >/dev/null 2>&1 || true

filters=$(node -e 'process.stdout.write(encodeURIComponent(JSON.stringify({container: [process.argv[1] + "-root", process.argv[1] + "-user"]})))' "$P")
curl -sN --unix-socket "$SOCK" "$API/events?filters=$filters" > "$TMP/events.jsonl" &
CURL=$!
sleep 0.5

docker run -d --name "$P-root" "$IMAGE" sleep 3600 >/dev/null
docker run -d --name "$P-user" --user 1000:1000 --health-cmd true --health-interval 1s "$IMAGE" sleep 3600 >/dev/null
docker exec "$P-root" sh -c id >/dev/null                 # the container's user: "" = root
docker exec -u nobody "$P-root" id >/dev/null             # not root
docker exec -u 0 "$P-root" id >/dev/null                  # root
docker exec --privileged "$P-root" id >/dev/null 2>&1 || true  # privileged and root; cannot start on this host, still created
docker exec "$P-user" id >/dev/null                       # the container's user: 1000
docker exec -u root "$P-user" id >/dev/null               # root
sleep 2.5                                                 # two or three healthcheck probes

for id in $(grep -o '"execID":"[0-9a-f]*"' "$TMP/events.jsonl" | cut -d'"' -f4 | sort -u); do
  code=$(curl -s -o "$TMP/exec-$id.json" -w '%{http_code}' --unix-socket "$SOCK" "$API/exec/$id/json")
  [ "$code" = 200 ] || rm -f "$TMP/exec-$id.json"
done
docker inspect "$P-root" "$P-user" > "$TMP/containers.json"
docker rm -f "$P-root" "$P-user" >/dev/null
sleep 0.5
kill "$CURL" 2>/dev/null || true
wait "$CURL" 2>/dev/null || true

node - "$TMP" "$OUT" <<'JS'
const fs = require('fs');
const path = require('path');
const [tmp, out] = process.argv.slice(2);
const events = fs.readFileSync(path.join(tmp, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const inspects = {};
for (const f of fs.readdirSync(tmp).filter((f) => f.startsWith('exec-'))) {
  const exec = JSON.parse(fs.readFileSync(path.join(tmp, f), 'utf8'));
  inspects[exec.ID] = exec;
}
const write = (name, value) => fs.writeFileSync(path.join(out, name), JSON.stringify(value, null, 2) + '\n');
write('recorded-exec-events.json', events);
write('recorded-exec-inspects.json', inspects);
write('recorded-exec-containers.json', JSON.parse(fs.readFileSync(path.join(tmp, 'containers.json'), 'utf8')));
console.log(`${events.length} events, ${Object.keys(inspects).length} exec inspects`);
JS
