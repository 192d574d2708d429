#!/usr/bin/env bash
# Measures the memory of the exporter service of docker-compose.yml, started as the README
# says, with every collector on, at several container counts. Run it by hand (not in CI: at
# 2,000 containers it takes several minutes); its figures are the ones in docker-compose.yml
# and docs/deployment.md ("Memory").
#
#   bash scripts/compose-memory.sh [SIZES] [COLLECTIONS]     # default "300 2000" and 8
#   MODES=shipped bash scripts/compose-memory.sh 2000           # only the run as shipped
#
# For each size it makes that many labelled busybox containers (a quarter running `sleep`,
# the rest created and never started; ten labels each, like a compose service), then runs
# the exporter twice: once without a memory limit or heap cap (what it needs), once as
# docker-compose.yml ships it (what it does under the cap). It polls /metrics every second
# for COLLECTIONS collections after the first and prints the peak RSS
# (process_resident_memory_bytes), the peak V8 heap in use (nodejs_heap_size_used_bytes),
# and the cgroup's peak usage (memory.max_usage_in_bytes, cgroup v1; page cache included).
# Every container it made is removed at the end, also on failure or Ctrl-C.
#
# Needs: the image (DOCKER_AUDIT_IMAGE, default docker-audit-exporter:local, built as the
# README says), docker-compose, curl, and the test image docker-audit-test/busybox:local.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${1:-300 2000}"
COLLECTIONS="${2:-8}"
MODES="${MODES:-unconstrained shipped}"
LABEL=docker-audit-memory=1
IMAGE="${DOCKER_AUDIT_IMAGE:-docker-audit-exporter:local}"
TEST_IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
PROJECT="dae-memory-$$"
PORT="${DOCKER_AUDIT_PORT:-19795}"
log() { printf '[compose-memory] %s\n' "$*" >&2; }

export DOCKER_GID="$(stat -c %g /var/run/docker.sock)"
export ADM_GID="$(getent group adm | cut -d: -f3)"
export DOCKER_AUDIT_IMAGE="$IMAGE" DOCKER_AUDIT_PORT="$PORT"
override="$(mktemp --suffix=.yml)"

remove_all() {
  local ids
  ids="$(docker ps -aq --filter "label=$LABEL")"
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    printf '%s\n' $ids | xargs -n 50 -P 4 docker rm -f -v >/dev/null
  fi
}
cleanup() {
  docker-compose -p "$PROJECT" -f docker-compose.yml -f "$override" down -v >/dev/null 2>&1 || true
  log "removing the measurement containers"
  remove_all
  rm -f "$override"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Make exactly n labelled containers exist: dae-mem-0..n-1, every fourth one running.
ensure() {
  local n=$1 have
  have="$(docker ps -aq --filter "label=$LABEL" | wc -l)"
  log "making $n containers (have $have)"
  seq "$have" $((n - 1)) | xargs -P 8 -I{} sh -c '
    i={}; labels=""
    for k in 0 1 2 3 4 5 6 7 8 9; do labels="$labels --label com.example.label$k=value-$k-$i"; done
    if [ $((i % 4)) -eq 0 ]; then
      docker run -d --name dae-mem-$i --label '"$LABEL"' $labels --memory 16m '"$TEST_IMAGE"' sleep 3600 >/dev/null
    else
      docker create --name dae-mem-$i --label '"$LABEL"' $labels '"$TEST_IMAGE"' sleep 3600 >/dev/null
    fi'
}

metric() { awk -v m="$1" '$1 == m { print $2 }' <<<"$2"; }
# The sum of a family's series (docker_audit_containers{state=...}).
family_sum() { awk -v m="$1" 'index($1, m "{") == 1 { s += $2 } END { printf "%d", s }' <<<"$2"; }

# One run; prints "rss_peak heap_peak cgroup_peak restarts collectors_ok containers_seen collection_s" (bytes, seconds).
measure() {
  local mode=$1 text last first=0 seen=0 rss=0 heap=0 ok=0 counted=0 took=0 r h t id deadline
  if [ "$mode" = unconstrained ]; then
    printf 'services:\n  docker-audit-exporter:\n    mem_limit: 2g\n    environment:\n      NODE_OPTIONS: ""\n' >"$override"
  else
    printf 'services:\n  docker-audit-exporter: {}\n' >"$override"
  fi
  docker-compose -p "$PROJECT" -f docker-compose.yml -f "$override" up -d --no-build --force-recreate docker-audit-exporter >/dev/null 2>&1
  id="$(docker-compose -p "$PROJECT" -f docker-compose.yml -f "$override" ps -q docker-audit-exporter)"
  deadline=$((SECONDS + 120 + COLLECTIONS * 60))
  last=""
  while [ "$seen" -le "$COLLECTIONS" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timed out"; docker logs --tail 20 "$id" >&2; exit 1; }
    if text="$(curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics")"; then
      t="$(metric docker_audit_last_collection_timestamp_seconds "$text")"
      r="$(metric process_resident_memory_bytes "$text")"
      h="$(metric nodejs_heap_size_used_bytes "$text")"
      if [ -n "$t" ] && [ "$t" != 0 ] && [ "$t" != "$last" ]; then
        [ -n "$last" ] && seen=$((seen + 1))
        last="$t"; first=1
      fi
      if [ "$first" = 1 ]; then
        [ "${r%.*}" -gt "$rss" ] && rss="${r%.*}"
        [ "${h%.*}" -gt "$heap" ] && heap="${h%.*}"
        # What the last collection saw: collectors with success 1, containers counted, and how
        # long its slowest collector took (a collection at 2,000 containers is not instant).
        ok="$(awk '/^docker_audit_collector_success\{/ && $2 == 1 { n++ } END { printf "%d", n }' <<<"$text")"
        counted="$(family_sum docker_audit_containers "$text")"
        took="$(awk '/^docker_audit_collector_duration_seconds\{/ && $2 > m { m = $2 } END { printf "%.1f", m }' <<<"$text")"
      fi
    fi
    sleep 1
  done
  local cg
  cg="$(cat "/sys/fs/cgroup/memory/docker/$id/memory.max_usage_in_bytes" 2>/dev/null || echo 0)"
  echo "$rss $heap $cg $(docker inspect -f '{{.RestartCount}}' "$id") $ok $counted $took"
}

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }

docker image inspect "$IMAGE" >/dev/null
remove_all
printf '%-12s %-14s %-10s %-10s %-12s %-9s %-11s %-11s %s\n' containers mode rss_peak heap_peak cgroup_peak restarts collectors containers slowest_s
for n in $SIZES; do
  ensure "$n"
  total="$(docker ps -aq | wc -l)"
  for mode in $MODES; do
    read -r rss heap cg restarts ok counted took < <(measure "$mode")
    printf '%-12s %-14s %-10s %-10s %-12s %-9s %-11s %-11s %s\n' "$n (+$((total - n)))" "$mode" "$(mib "$rss")" "$(mib "$heap")" "$(mib "$cg")" "$restarts" "$ok/9" "$counted" "$took"
  done
done
