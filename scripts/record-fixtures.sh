#!/usr/bin/env bash
# Records the container inspect JSON the unit tests use, from the real Docker Engine that
# scripts/provision.sh starts. Re-run it to refresh test/fixtures/engine-20.10/ after an
# engine upgrade; the unit tests' expectations are written against these files.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${DOCKER_AUDIT_TEST_IMAGE:-docker-audit-test/busybox:local}"
OUT=test/fixtures/engine-20.10
P=fixture-rec
mkdir -p "$OUT"
docker rm -f $(docker ps -aq --filter "name=^$P-") >/dev/null 2>&1 || true

run() { local name=$1; shift; docker run -d --name "$P-$name" "$@" >/dev/null; }
create() { local name=$1; shift; docker create --name "$P-$name" "$@" >/dev/null; }

create privileged --privileged "$IMAGE" sleep 3600
run hostns --network host --pid host --ipc host --uts host "$IMAGE" sleep 3600
run mounts -v /etc:/host-etc:ro -v /var/run/docker.sock:/var/run/docker.sock -v /etc/ssl:/ssl -v /tmp:/scratch "$IMAGE" sleep 3600
run caps --cap-add NET_ADMIN --cap-add cap_sys_time --security-opt seccomp=unconfined --security-opt apparmor=unconfined "$IMAGE" sleep 3600
run hardened --user 1000:1000 --read-only --security-opt no-new-privileges --memory 64m --cpus 0.5 --pids-limit 100 \
  --health-cmd true --health-interval 1s --cap-drop ALL "$IMAGE" sleep 3600
run ports -p 127.0.0.1:18080:80 -p 18081:81/udp --user 0:0 --cpu-quota 50000 --cpu-period 100000 --pids-limit -1 "$IMAGE" sleep 3600
run restartloop --restart always "$IMAGE" sh -c 'exit 3'
run exited "$IMAGE" sh -c 'exit 7'
run unhealthy --health-cmd false --health-interval 1s --health-retries 1 --user root "$IMAGE" sleep 3600
run oom --memory 8m --memory-swap 8m "$IMAGE" sh -c 'x=$(busybox head -c 67108864 /dev/zero | busybox tr "\0" a); echo ${#x}'
create compose --label com.docker.compose.project=shop --label com.docker.compose.service=web --label secret.token=hunter2 \
  -e PASSWORD=hunter2 "$IMAGE" sh -c 'echo "quoted \"value\" \\ here"'
sleep 6
for c in $(docker ps -aq --filter "name=^$P-"); do
  name=$(docker inspect --format '{{.Name}}' "$c" | sed "s#^/$P-##")
  docker inspect "$c" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s)[0],null,2)+"\n"))' > "$OUT/recorded-$name.inspect.json"
done
docker ps -a --no-trunc --filter "name=^$P-" --format '{{json .}}' >/dev/null
# The list endpoint's JSON, as the containers collector reads it.
curl -s --unix-socket /var/run/docker.sock 'http://docker/v1.41/containers/json?all=1' 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s).filter(c=>c.Names.some(n=>n.startsWith("/'$P'-")));process.stdout.write(JSON.stringify(l,null,2)+"\n")})' > "$OUT/recorded-containers-list.json" \
  || echo "curl missing: list not recorded" >&2
for endpoint in info version; do
  curl -s --unix-socket /var/run/docker.sock "http://docker/v1.41/$endpoint" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s),null,2)+"\n"))' > "$OUT/recorded-$endpoint.json"
done
docker rm -f $(docker ps -aq --filter "name=^$P-") >/dev/null
ls "$OUT"
# Images, volumes, networks and disk usage (images and resources collectors).
bash scripts/record-image-fixtures.sh
