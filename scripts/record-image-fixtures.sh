#!/usr/bin/env bash
# Records the image, volume, network and disk-usage JSON the images and resources unit tests
# use, from the real Docker Engine that scripts/provision.sh starts (record-fixtures.sh runs
# it too; it can run alone). Every object it creates is named fixture-rec-img-*, labelled
# docker-audit-test=images, and removed at the end; nothing else on the engine is touched.
#
# Writes test/fixtures/engine-20.10/:
#   recorded-images.json                   GET /images/json, only the images below
#   recorded-image-inspect-NAME.json       GET /images/{id}/json
#   recorded-image-history-NAME.json       GET /images/{id}/history
#     NAME: busybox (the test image), nonroot (USER nobody + HEALTHCHECK), root (no USER),
#           dangling (the first build of root's tag, untagged by the second)
#   recorded-volumes.json                  GET /volumes, only the two volumes below
#   recorded-networks.json                 GET /networks, the built-in ones and the two below
#   recorded-resource-users.inspect.json   GET /containers/{id}/json of the two containers below, as an array
#   recorded-system-df.json                GET /system/df of the whole engine, and, read between
#   recorded-system-df-cli.json            two identical /system/df answers, `docker system df --format '{{json .}}'`
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
OUT=test/fixtures/engine-20.10
P=fixture-rec-img
LABEL=docker-audit-test=images
API=http://docker/v1.41
mkdir -p "$OUT"

api() { curl -sf --unix-socket /var/run/docker.sock "$API$1"; }
pretty() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,2)+"\n"))'; }
cleanup() {
  docker rm -f $(docker ps -aq --filter "label=$LABEL" --filter "name=^$P-") >/dev/null 2>&1 || true
  for id in ${DANGLING_ID:-} $(docker images -q "$P/*" 2>/dev/null); do docker rmi -f "$id" >/dev/null 2>&1 || true; done
  docker volume rm $P-used $P-unused >/dev/null 2>&1 || true
  docker network rm $P-used $P-unused >/dev/null 2>&1 || true
}
cleanup
trap cleanup EXIT

build() { # tag, Dockerfile body (after FROM)
  printf 'FROM %s\n%s\n' "$IMAGE" "$2" | docker build -q --label "$LABEL" -t "$1" - >/dev/null
}
build $P/nonroot:1 $'USER nobody\nHEALTHCHECK --interval=30s CMD true'
build $P/root:1 'RUN echo old > /content'
DANGLING_ID=$(docker image inspect --format '{{.Id}}' $P/root:1)
build $P/root:1 'RUN echo new > /content'

docker volume create --label "$LABEL" $P-used >/dev/null
docker volume create --label "$LABEL" $P-unused >/dev/null
# Give both volumes bytes, so the volumes line of `docker system df` has something to reclaim.
docker run --rm -v $P-unused:/d "$IMAGE" sh -c 'head -c 50000 /dev/zero > /d/f'
docker network create --internal --label "$LABEL" $P-used >/dev/null
docker network create --internal --label "$LABEL" $P-unused >/dev/null
# One container that ran (and left 20 kB in its writable layer), one that never started.
docker run --name $P-ran --label "$LABEL" -v $P-used:/data --network $P-used $P/root:1 sh -c 'head -c 30000 /dev/zero > /data/f; head -c 20000 /dev/zero > /junk'
docker create --name $P-created --label "$LABEL" --network $P-used $P/nonroot:1 sleep 3600 >/dev/null

declare -A IDS=(
  [busybox]=$(docker image inspect --format '{{.Id}}' "$IMAGE")
  [nonroot]=$(docker image inspect --format '{{.Id}}' $P/nonroot:1)
  [root]=$(docker image inspect --format '{{.Id}}' $P/root:1)
  [dangling]=$DANGLING_ID
)
for name in "${!IDS[@]}"; do
  api "/images/${IDS[$name]}/json" | pretty > "$OUT/recorded-image-inspect-$name.json"
  api "/images/${IDS[$name]}/history" | pretty > "$OUT/recorded-image-history-$name.json"
done
api /images/json | node -e 'const ids=process.argv.slice(1);let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s).filter(i=>ids.includes(i.Id)),null,2)+"\n"))' "${IDS[@]}" > "$OUT/recorded-images.json"
api /volumes | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);v.Volumes=v.Volumes.filter(x=>x.Name.startsWith("'$P'-"));process.stdout.write(JSON.stringify(v,null,2)+"\n")})' > "$OUT/recorded-volumes.json"
api /networks | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s).filter(n=>["bridge","host","none"].includes(n.Name)||n.Name.startsWith("'$P'-")).sort((a,b)=>a.Name.localeCompare(b.Name)),null,2)+"\n"))' > "$OUT/recorded-networks.json"
for c in ran created; do api "/containers/$P-$c/json"; echo; done \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(s.split("\n").filter(l=>l.trim()).map(l=>JSON.parse(l)),null,2)+"\n"))' > "$OUT/recorded-resource-users.inspect.json"

# Other work may change the engine meanwhile: keep the CLI's answer only when the API gave
# the same sizes just before and just after it (Status texts such as "Up 3 seconds" aside).
sizes() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);for(const c of d.Containers||[])delete c.Status;process.stdout.write(JSON.stringify(d))})'; }
for attempt in 1 2 3 4 5; do
  before=$(api /system/df)
  cli=$(docker system df --format '{{json .}}')
  after=$(api /system/df)
  if [ "$(sizes <<<"$before")" = "$(sizes <<<"$after")" ]; then
    pretty <<<"$after" > "$OUT/recorded-system-df.json"
    node -e 'process.stdout.write(JSON.stringify(process.argv[1].trim().split("\n").map(l=>JSON.parse(l)),null,2)+"\n")' "$cli" > "$OUT/recorded-system-df-cli.json"
    break
  fi
  [ "$attempt" = 5 ] && { echo "the engine kept changing: /system/df not recorded" >&2; exit 1; }
  sleep 2
done
ls "$OUT" | grep -E 'recorded-(images|image-|volumes|networks|resource-users|system-df)'
