# docker-audit-exporter. Multi-stage: the final image holds the compiled exporter and its
# production dependencies only, runs as an unprivileged user, and works with a read-only
# root filesystem (it writes nothing but an optional --audit.state-file).
#
#   docker build -t docker-audit-exporter:local .      # the tag docker-compose.yml runs
#
# BASE_IMAGE is any Node.js >= 20 image with npm. Where no registry is reachable, build a
# local one from the machine's own node first:
#
#   bash scripts/node-base-image.sh
#   docker build --build-arg BASE_IMAGE=docker-audit-test/node:local -t docker-audit-exporter:local .
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
# No package needs an install script; refusing them keeps the build from running code it fetched.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund --ignore-scripts \
 && rm -rf node_modules/.cache

FROM ${BASE_IMAGE}
# The V8 heap is capped below the container's memory limit (docker-compose.yml's mem_limit),
# so a leak ends in a clear V8 out-of-memory exit and a restart, not the kernel's OOM killer.
# Both come from the memory measured at 300 and 2,000 containers: docs/deployment.md, "Memory".
# A 1 MiB young generation (V8's default is 16) is what holds RSS at 2,000 containers under
# 160 MiB: npm run bench:memory, docs/performance.md.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=1"
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist/src ./dist/src
# uid 1000 is the `node` user of the official image. Numeric, so `docker inspect` (and this
# exporter's own running_as_root check) sees a non-root user without reading /etc/passwd.
# Reading the Docker socket needs its group: `--group-add $(stat -c %g /var/run/docker.sock)`.
USER 1000:1000
EXPOSE 9795
# node is the only program the image is sure to have (no curl or wget in node:*-slim).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:9795/-/healthy', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
