#!/usr/bin/env bash
# Builds the Gateway API Inference Extension's endpoint picker (cmd/epp) and this project's small gateway
# (scripts/gateway/gateway: an Envoy ext_proc client and a body-routing proxy) from the vendored v1.0.1
# source, into the tools cache, each rebuilt only when missing:
#   $GENAI_TOOLS_CACHE/epp-<EPP_VERSION>/bin/epp
#   $GENAI_TOOLS_CACHE/epp-gateway-<hash of scripts/gateway/gateway>/bin/genai-gateway
# The gateway is compiled inside the same module (copied into cmd/ of the source), so it speaks exactly the
# ext_proc types (go-control-plane) and gRPC version the picker was built with.
# Usage: scripts/gateway/build-epp.sh   Prints the two binaries' paths on stdout; progress goes to stderr.
# Source: the vendored archive (shared/vendor-src beside the checkout, or GENAI_VENDOR_SRC_DIR; vendor_archive in
# lib.sh), the publisher's tree at tag v1.0.1; the Go module proxy refuses that module, its dependencies come from
# the proxy as usual.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tools/lib.sh
. "$here/../tools/lib.sh"

command -v go >/dev/null || die "go is not on PATH (Go >= 1.24 is needed)"
export GOTOOLCHAIN=local
archive=$(vendor_archive "gateway-api-inference-extension-$EPP_VERSION.tar.gz") ||
  die "the endpoint picker's vendored source is missing (see above)"
gateway_src="$here/gateway"
mkdir -p "$cache_root"

epp_dir=$(tool_dir epp "$EPP_VERSION")
gw_hash=$(cat "$gateway_src"/*.go | sha256sum | cut -c1-12)
gw_dir=$(tool_dir epp-gateway "$gw_hash")

# unpack TMP: the picker's module source in TMP/src.
unpack() {
  mkdir -p "$1/src" && tar -xzf "$archive" -C "$1/src" --strip-components=1
}

if [ ! -x "$epp_dir/bin/epp" ]; then
  start=$SECONDS
  log "building epp $EPP_VERSION from $archive (cold: ~10 min on 2 cores)"
  tmp="$epp_dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
  unpack "$tmp"
  (cd "$tmp/src" && go_build "$tmp/build.log" -trimpath -ldflags "-s -w" -o "$tmp/bin/epp" ./cmd/epp)
  rm -rf "$tmp/src"
  stamp "$tmp" "$EPP_VERSION" "kubernetes-sigs/gateway-api-inference-extension@$EPP_VERSION ./cmd/epp"
  finish_tool "$tmp" "$epp_dir" "$start"
fi

if [ ! -x "$gw_dir/bin/genai-gateway" ]; then
  start=$SECONDS
  log "building genai-gateway ($gw_hash) against gateway-api-inference-extension $EPP_VERSION"
  tmp="$gw_dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
  unpack "$tmp"
  mkdir -p "$tmp/src/cmd/genai-gateway" && cp "$gateway_src"/*.go "$tmp/src/cmd/genai-gateway/"
  (cd "$tmp/src" && nice -n 10 go vet ./cmd/genai-gateway) >&2 || die "go vet of scripts/gateway/gateway failed"
  (cd "$tmp/src" && go_build "$tmp/build.log" -trimpath -ldflags "-s -w" -o "$tmp/bin/genai-gateway" ./cmd/genai-gateway)
  rm -rf "$tmp/src"
  stamp "$tmp" "$gw_hash" "scripts/gateway/gateway against gateway-api-inference-extension@$EPP_VERSION"
  finish_tool "$tmp" "$gw_dir" "$start"
  # Builds of earlier sources are dead weight (each is rebuilt in seconds from the shared Go cache if needed again).
  for old in "$cache_root"/epp-gateway-*; do
    [ "$old" = "$gw_dir" ] || rm -rf "$old"
  done
fi

echo "$epp_dir/bin/epp"
echo "$gw_dir/bin/genai-gateway"
