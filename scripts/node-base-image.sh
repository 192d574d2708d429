#!/usr/bin/env bash
# Builds a local Node.js base image from this machine's own node and npm, for hosts that
# cannot pull the official node image (no registry is reachable on CI machines):
#
#   bash scripts/node-base-image.sh [TAG]      # default docker-audit-test/node:local
#   docker build --build-arg BASE_IMAGE=docker-audit-test/node:local -t docker-audit-exporter .
#
# The rootfs holds the node binary with the shared libraries ldd lists, npm, CA
# certificates (trusted by node through NODE_EXTRA_CA_CERTS, as on the machine), busybox for /bin/sh (RUN steps need a shell), and a `node` user with uid
# 1000 as in the official image. Idempotent: an existing image is kept.
set -euo pipefail
TAG="${1:-docker-audit-test/node:local}"
log() { printf '[node-base-image] %s\n' "$*" >&2; }

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG exists"
  exit 0
fi
NODE="$(readlink -f "$(command -v node)")"
NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" # .../node_modules/npm
[ -x /bin/busybox ] || { log "needs /bin/busybox (Debian package busybox-static)"; exit 1; }

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,usr/bin,usr/local/bin,usr/local/lib/node_modules,etc/ssl/certs,tmp,home/node,proc,sys,dev,app}
chmod 1777 "$rootfs/tmp"
cp "$NODE" "$rootfs/usr/local/bin/node"
# The loader and every library node links against, at the same paths.
for lib in $(ldd "$NODE" | grep -o '/[^ ]*'); do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
cp -a "$NPM_DIR" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in sh ls cat mkdir rm cp mv chmod chown ln env id wget sleep true false; do
  ln -s busybox "$rootfs/bin/$applet"
done
# npm's scripts start with #!/usr/bin/env node.
ln -s /bin/busybox "$rootfs/usr/bin/env"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"; fi
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
chown 1000:1000 "$rootfs/home/node"
log "importing $TAG (node $("$NODE" --version), npm $(node "$NPM_DIR/bin/npm-cli.js" --version 2>/dev/null))"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_VERSION=local' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$TAG" >/dev/null
