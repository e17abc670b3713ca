#!/usr/bin/env bash
# Builds the local test control plane from Go modules and caches it outside the repo, keyed by version:
#   $GENAI_TOOLS_CACHE/kube-<k8s version>/bin/{kube,etcd,kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $GENAI_TOOLS_CACHE/kwok-<kwok version>/bin/kwok
# A tool is rebuilt only when its directory is missing or its stamp (hash of the wrapper module sources) changed.
# Prints the cache's bin directories, one per line, on stdout (progress goes to stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/cluster/lib.sh
. "$here/lib.sh"

command -v go >/dev/null || die "go is required to build the control plane (go >= 1.24; apt-get install golang-go or a Go toolchain)"

# The wrapper's go.mod is the single source of truth for the Kubernetes version.
kube_version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/cmd/go.mod")
[ -n "$kube_version" ] || die "could not read the k8s.io/kubernetes version from $here/cmd/go.mod"

build_kube() {
  local dir="$1" stamp="$2" tmp
  log "building kube $kube_version (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl) into $dir"
  log "  cold build: ~10-20 min on 2 cores; module downloads come from the Go module proxy"
  tmp=$(mktemp -d "${dir}.tmp.XXXXXX") && chmod 755 "$tmp"
  (
    cd "$here/cmd"
    # -trimpath and an empty buildid keep the binary independent of this checkout's path.
    nice -n 10 go build -trimpath -o "$tmp/bin/kube" \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitTreeState=clean" \
      .
  ) || { rm -rf "$tmp"; die "go build of the kube wrapper failed"; }
  for t in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do ln -s kube "$tmp/bin/$t"; done
  echo "$stamp" >"$tmp/stamp"
  rm -rf "$dir" && mv "$tmp" "$dir"
}

build_kwok() {
  local dir="$1" tmp
  log "building kwok $KWOK_VERSION into $dir"
  tmp=$(mktemp -d "${dir}.tmp.XXXXXX") && chmod 755 "$tmp"
  # `go install pkg@version` builds kwok against its release's own go.mod/go.sum, independent of any local module.
  GOBIN="$tmp/bin" nice -n 10 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ||
    { rm -rf "$tmp"; die "go install of kwok $KWOK_VERSION failed"; }
  # The release's own stage definitions (Apache-2.0): node initialize + heartbeat with lease, the pod lifecycle.
  local src
  src=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/kustomize/stage" ] || { rm -rf "$tmp"; die "kwok $KWOK_VERSION module has no kustomize/stage"; }
  mkdir -p "$tmp/stages"
  cp "$src/kustomize/stage/node/fast/node-initialize.yaml" \
    "$src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$src"/kustomize/stage/pod/general/pod-*.yaml "$tmp/stages/"
  echo "$KWOK_VERSION" >"$tmp/stamp"
  rm -rf "$dir" && mv "$tmp" "$dir"
}

mkdir -p "$TOOLS_CACHE"
kube_dir="$TOOLS_CACHE/kube-$kube_version"
kube_stamp=$(cat "$here/cmd/go.mod" "$here/cmd/go.sum" "$here/cmd/main.go" | sha256sum | cut -c1-16)
kwok_dir="$TOOLS_CACHE/kwok-$KWOK_VERSION"

start=$SECONDS
if [ "$(cat "$kube_dir/stamp" 2>/dev/null)" = "$kube_stamp" ] && [ -x "$kube_dir/bin/kube" ]; then
  log "kube $kube_version: cached in $kube_dir"
else
  build_kube "$kube_dir" "$kube_stamp"
fi
if [ -x "$kwok_dir/bin/kwok" ] && [ -f "$kwok_dir/stamp" ]; then
  log "kwok $KWOK_VERSION: cached in $kwok_dir"
else
  build_kwok "$kwok_dir"
fi
log "tools ready in $((SECONDS - start))s"
echo "$kube_dir/bin"
echo "$kwok_dir/bin"
