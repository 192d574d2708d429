#!/usr/bin/env bash
# Puts docker-bench-security (github.com/docker/docker-bench-security) into an ignored folder,
# bench/.vendor/docker-bench-security, for `npm run bench:cis`, which runs it side by side with
# the exporter's cis collector. Its code is never committed here (.gitignore lists the folder).
#
# Facts, first found wins:
#   DOCKER_BENCH_GIT_DIR   a git directory (bare or .git) holding the repository;
#   DOCKER_BENCH_MIRROR    a local mirror of it (default /work/.mirror/docker+docker-bench-security/repo);
#   DOCKER_BENCH_FETCH=1   `git clone --depth 1` from GitHub (needs network; off by default,
#                          because CI machines cannot reach GitHub).
# DOCKER_BENCH_REF picks the commit or tag to extract (default HEAD).
# Exit status: 0 when the script is in place, 3 when no source is available (the bench then
# skips docker-bench-security and says so), 1 on any other failure.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=bench/.vendor/docker-bench-security
REF="${DOCKER_BENCH_REF:-HEAD}"
MIRROR="${DOCKER_BENCH_MIRROR:-/work/.mirror/docker+docker-bench-security/repo}"
URL=https://github.com/docker/docker-bench-security.git

git_dir=""
if [[ -n "${DOCKER_BENCH_GIT_DIR:-}" ]]; then
  git_dir=$DOCKER_BENCH_GIT_DIR
elif [[ -d "$MIRROR" ]]; then
  git_dir=$MIRROR
elif [[ "${DOCKER_BENCH_FETCH:-0}" == 1 ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! git clone --quiet --bare --depth 1 "$URL" "$tmp/repo.git"; then
    echo "fetch-docker-bench: cloning $URL failed (no network to GitHub?)" >&2
    exit 3
  fi
  git_dir=$tmp/repo.git
else
  cat >&2 <<EOF
fetch-docker-bench: docker-bench-security is unavailable on this machine: no mirror at
  $MIRROR, DOCKER_BENCH_GIT_DIR is unset, and DOCKER_BENCH_FETCH=1 (clone from GitHub) is off.
  npm run bench:cis will measure the exporter alone.
EOF
  exit 3
fi

if ! git --git-dir="$git_dir" rev-parse --verify --quiet "$REF^{commit}" >/dev/null 2>&1; then
  echo "fetch-docker-bench: $git_dir is not a git directory holding $REF" >&2
  exit 1
fi

# Extract into a fresh folder next to the destination, then swap, so an interrupted run never
# leaves half a script tree behind.
mkdir -p "$(dirname "$DEST")"
staging=$(mktemp -d "$(dirname "$DEST")/.staging.XXXXXX")
git --git-dir="$git_dir" archive "$REF" | tar -x -C "$staging"
commit=$(git --git-dir="$git_dir" rev-parse "$REF^{commit}")
described=$(git --git-dir="$git_dir" describe --tags "$commit" 2>/dev/null || echo "$commit")
printf '%s %s\n' "$commit" "$described" >"$staging/.source-commit"
rm -rf "$DEST"
mv "$staging" "$DEST"
echo "fetch-docker-bench: docker-bench-security $described ($commit) extracted into $DEST"
