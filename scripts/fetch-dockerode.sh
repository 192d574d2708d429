#!/usr/bin/env bash
# Installs a pinned dockerode (github.com/apocas/dockerode) into a folder outside this repository,
# ${DOCKERODE_DIR:-/tmp/dae-dockerode}, for `npm run bench:dockerode`, which measures it side by
# side with the exporter's own Engine API client (src/readers/engine.ts). dockerode is never a
# dependency of this project: it enters neither package.json nor package-lock.json, nor the
# repository's node_modules.
#
#   DOCKERODE_VERSION   the version to install (default 4.0.12, the newest 4.x);
#   DOCKERODE_DIR       where (default /tmp/dae-dockerode); the bench reads the same variable.
# Idempotent: nothing is done when that version is already installed there. The npm output
# (install scripts run in the foreground, so their output is in it) is kept in
# $DOCKERODE_DIR/npm-install.log, which the bench reads to report what ran at install time,
# and `npm ls --all` in $DOCKERODE_DIR/npm-ls.txt.
# Exit status: 0 when dockerode is in place, 3 when it cannot be installed (no registry
# reachable: the bench then says so and stops), 1 on any other failure.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${DOCKERODE_VERSION:-4.0.12}"
DEST="${DOCKERODE_DIR:-/tmp/dae-dockerode}"

installed_version() {
  node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch {}' "$1/node_modules/dockerode/package.json"
}

if [[ "$(installed_version "$DEST")" == "$VERSION" ]]; then
  echo "fetch-dockerode: dockerode $VERSION already installed in $DEST"
  exit 0
fi

case "$(realpath -m "$DEST")/" in
  "$(pwd -P)"/*)
    echo "fetch-dockerode: DOCKERODE_DIR=$DEST is inside this repository; pick a folder outside it" >&2
    exit 1
    ;;
esac

# Install into a fresh folder next to the destination, then swap, so an interrupted run never
# leaves half a tree behind. The folder has its own package.json, which npm saves dockerode
# into (so `npm ls --all` there shows the real tree), and which keeps npm from looking further
# up for one.
mkdir -p "$(dirname "$DEST")"
staging=$(mktemp -d "$DEST.staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
printf '{\n  "name": "dae-dockerode-bench",\n  "private": true,\n  "description": "dockerode for docker-audit-exporter bench/dockerode.ts; not part of the project"\n}\n' >"$staging/package.json"
started=$(date +%s%N)
if ! npm install --prefix "$staging" --save-exact --no-audit --no-fund --foreground-scripts --loglevel=info \
  "dockerode@$VERSION" >"$staging/npm-install.log" 2>&1; then
  if grep -qE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|E404' "$staging/npm-install.log"; then
    echo "fetch-dockerode: npm install dockerode@$VERSION failed (no registry reachable?); last lines:" >&2
    tail -5 "$staging/npm-install.log" >&2
    exit 3
  fi
  echo "fetch-dockerode: npm install dockerode@$VERSION failed; last lines:" >&2
  tail -20 "$staging/npm-install.log" >&2
  exit 1
fi
ms=$(( ($(date +%s%N) - started) / 1000000 ))
seconds=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
if [[ "$(installed_version "$staging")" != "$VERSION" ]]; then
  echo "fetch-dockerode: npm install finished but $staging/node_modules/dockerode is not $VERSION" >&2
  exit 1
fi
printf '%s %s %s\n' "$VERSION" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$seconds" >"$staging/.installed"
rm -rf "$DEST"
mv "$staging" "$DEST"
trap - EXIT
# The tree as npm sees it, for the record (the bench walks node_modules itself).
(cd "$DEST" && npm ls --all >npm-ls.txt 2>&1) || true
echo "fetch-dockerode: dockerode $VERSION installed into $DEST (npm install took ${seconds} s; log in $DEST/npm-install.log)"
