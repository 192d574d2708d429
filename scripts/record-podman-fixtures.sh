#!/usr/bin/env bash
# Records what Podman's Docker-compatible API answers, from the real podman service that
# scripts/provision-podman.sh starts, into test/fixtures/podman-4.3/ for the unit tests.
# Re-run it after a podman upgrade; the unit tests' expectations are written against these files.
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKET="${DOCKER_AUDIT_PODMAN_SOCKET:-/run/podman/podman.sock}"
OUT=test/fixtures/podman-4.3
mkdir -p "$OUT"
pretty() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,2)+"\n"))'; }
for endpoint in info version libpod/info; do
  curl -sf --unix-socket "$SOCKET" "http://podman/v1.41/$endpoint" | pretty > "$OUT/recorded-${endpoint//\//-}.json"
done
# Capabilities as Podman's compatible inspect states them (podman #16610): a default container,
# one with --cap-add NET_RAW (in Docker's default set, not Podman's) and SYS_ADMIN, and one
# with --cap-drop ALL --cap-add CHOWN.
IMAGE="localhost/${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
NAMES=(default cap-add cap-drop-all)
cleanup() { for n in "${NAMES[@]}"; do podman rm -f "dae-record-$n" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
cleanup
podman create --name dae-record-default --network none "$IMAGE" sleep 3600 >/dev/null
podman create --name dae-record-cap-add --network none --cap-add NET_RAW --cap-add SYS_ADMIN "$IMAGE" sleep 3600 >/dev/null
podman create --name dae-record-cap-drop-all --network none --cap-drop ALL --cap-add CHOWN "$IMAGE" sleep 3600 >/dev/null
for n in "${NAMES[@]}"; do
  curl -sf --unix-socket "$SOCKET" "http://podman/v1.41/containers/dae-record-$n/json" | pretty > "$OUT/recorded-$n.inspect.json"
done
# The list of those three alone (the host may hold others).
curl -sfG --unix-socket "$SOCKET" "http://podman/v1.41/containers/json" --data-urlencode all=1 --data-urlencode 'filters={"name":["^dae-record-"]}' | pretty > "$OUT/recorded-containers-list.json"
ls "$OUT"
