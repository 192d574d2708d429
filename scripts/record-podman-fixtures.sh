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
for endpoint in info version; do
  curl -sf --unix-socket "$SOCKET" "http://podman/v1.41/$endpoint" | pretty > "$OUT/recorded-$endpoint.json"
done
ls "$OUT"
