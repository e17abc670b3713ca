#!/usr/bin/env bash
# Builds the real Pulumi engine and its plugins from Go modules (no binary downloads), each cached by
# version outside the repository and rebuilt only when missing:
#   pulumi      the CLI (github.com/pulumi/pulumi/pkg/v3 ./cmd/pulumi)
#   kubernetes  pulumi-resource-kubernetes (github.com/pulumi/pulumi-kubernetes/provider/v4)
#   actionlint  checks .github/workflows (github.com/rhysd/actionlint)
#   helm        the Helm CLI (helm.sh/helm/v3 ./cmd/helm) for the chart render checks (test/charts/*.render.test.ts),
#               the Helm release the Kubernetes provider compiles in, so the Go build cache is shared with it
#   language-nodejs  pulumi-language-nodejs, the Node.js language host the CLI starts to run Pulumi.yaml's
#               program and policy-pack directories; from a vendored archive (the proxy refuses its module),
#               built by default only where that archive is (vendor_archive in lib.sh)
# Usage: scripts/tools/build.sh [tool...]   (default: all). Then: eval "$(scripts/tools/env.sh --export)".
# Versions: scripts/tools/versions.env. Cache: $GENAI_TOOLS_CACHE (default ~/.cache/genai-platform/tools).
#
# Not built here, and why:
# - random and tls: Terraform-bridged providers; see docs/engine.md for what building them would take.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed)"
mkdir -p "$cache_root"

# The copied modules' go.sum files lack the entries of the sibling module swapped in by `go get`;
# -mod=mod lets go build add them. GOTOOLCHAIN=local: use this machine's Go, never download another.
export GOTOOLCHAIN=local
modflags="${GOFLAGS:-} -mod=mod"

build_pulumi() {
  local dir tmp start=$SECONDS
  dir=$(tool_dir pulumi "$PULUMI_VERSION")
  [ -x "$dir/bin/pulumi" ] && return 0
  log "building pulumi $PULUMI_VERSION (cold: tens of minutes on 2 cores)"
  tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
  fetch_module "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "$tmp/src"
  # go.mod replaces sdk/v3 with ../sdk (the monorepo layout); use the published sdk of the same release.
  (cd "$tmp/src" && go mod edit -dropreplace github.com/pulumi/pulumi/sdk/v3 &&
    go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION") >"$tmp/get.log" 2>&1 ||
    die "resolving pulumi's dependencies failed (log: $tmp/get.log)"
  (cd "$tmp/src" && GOFLAGS="$modflags" go_build "$tmp/build.log" -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$tmp/bin/pulumi" ./cmd/pulumi)
  rm -rf "$tmp/src"
  stamp "$tmp" "$PULUMI_VERSION" "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION"
  finish_tool "$tmp" "$dir" "$start"
}

build_kubernetes() {
  local dir tmp start=$SECONDS cmd
  dir=$(tool_dir kubernetes "$K8S_PROVIDER_VERSION")
  [ -x "$dir/bin/pulumi-resource-kubernetes" ] && return 0
  log "building pulumi-resource-kubernetes $K8S_PROVIDER_VERSION (cold: tens of minutes on 2 cores)"
  tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
  fetch_module "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_PSEUDO" "$tmp/src"
  (cd "$tmp/src" && go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 &&
    go get "github.com/pulumi/pulumi-kubernetes/sdk/v4@$K8S_GO_SDK_VERSION") >"$tmp/get.log" 2>&1 ||
    die "resolving the provider's dependencies failed (log: $tmp/get.log)"
  cmd="$tmp/src/cmd/pulumi-resource-kubernetes"
  # generate.go stamps the version into the schema and writes the *-embed.json files main.go embeds.
  (cd "$cmd" && GOFLAGS="$modflags" VERSION="$K8S_PROVIDER_VERSION" go generate ./...) >"$tmp/generate.log" 2>&1 ||
    die "go generate for the provider failed (log: $tmp/generate.log)"
  (cd "$tmp/src" && GOFLAGS="$modflags" go_build "$tmp/build.log" -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
    -o "$tmp/bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)
  rm -rf "$tmp/src"
  stamp "$tmp" "$K8S_PROVIDER_VERSION" "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_PSEUDO"
  finish_tool "$tmp" "$dir" "$start"
}

build_actionlint() {
  local dir tmp start=$SECONDS
  dir=$(tool_dir actionlint "$ACTIONLINT_VERSION")
  [ -x "$dir/bin/actionlint" ] && return 0
  log "building actionlint $ACTIONLINT_VERSION"
  tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
  # actionlint's go.mod has no replace directives, so plain `go install` works.
  GOBIN="$tmp/bin" nice -n 10 go install -trimpath \
    -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION" >"$tmp/build.log" 2>&1 ||
    die "building actionlint failed (log: $tmp/build.log)"
  stamp "$tmp" "$ACTIONLINT_VERSION" "github.com/rhysd/actionlint@v$ACTIONLINT_VERSION"
  finish_tool "$tmp" "$dir" "$start"
}

build_helm() {
  local dir tmp start=$SECONDS
  dir=$(tool_dir helm "$HELM_VERSION")
  [ -x "$dir/bin/helm" ] && return 0
  log "building helm $HELM_VERSION"
  tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
  fetch_module "helm.sh/helm/v3@v$HELM_VERSION" "$tmp/src"
  (cd "$tmp/src" && go_build "$tmp/build.log" -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
    -o "$tmp/bin/helm" ./cmd/helm)
  rm -rf "$tmp/src"
  stamp "$tmp" "$HELM_VERSION" "helm.sh/helm/v3@v$HELM_VERSION"
  finish_tool "$tmp" "$dir" "$start"
}

build_language_nodejs() {
  local dir tmp start=$SECONDS archive sdk="v$LANGUAGE_NODEJS_SDK_VERSION"
  dir=$(tool_dir language-nodejs "$LANGUAGE_NODEJS_VERSION")
  [ -x "$dir/bin/pulumi-language-nodejs" ] && return 0
  archive=$(vendor_archive "pulumi-language-nodejs-$LANGUAGE_NODEJS_VERSION.tar.gz") ||
    die "cannot build pulumi-language-nodejs without its source archive"
  printf '%s  %s\n' "$LANGUAGE_NODEJS_SHA256" "$archive" | sha256sum -c --quiet - >/dev/null 2>&1 ||
    die "$archive does not have the sha256 versions.env pins ($LANGUAGE_NODEJS_SHA256)"
  log "building pulumi-language-nodejs $LANGUAGE_NODEJS_VERSION (about a minute once pulumi is built)"
  tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin" "$tmp/src"
  tar -xzf "$archive" -C "$tmp/src" --strip-components=1
  # go.mod replaces pkg/v3 and sdk/v3 with monorepo paths; use the published modules of the release it precedes.
  (cd "$tmp/src" && go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 \
    -dropreplace github.com/pulumi/pulumi/sdk/v3 &&
    go get "github.com/pulumi/pulumi/pkg/v3@$sdk" "github.com/pulumi/pulumi/sdk/v3@$sdk") >"$tmp/get.log" 2>&1 ||
    die "resolving the language host's dependencies failed (log: $tmp/get.log)"
  (cd "$tmp/src" && GOFLAGS="$modflags" go_build "$tmp/build.log" -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGUAGE_NODEJS_VERSION" \
    -o "$tmp/bin/pulumi-language-nodejs" .)
  rm -rf "$tmp/src"
  stamp "$tmp" "$LANGUAGE_NODEJS_VERSION" "$(basename "$archive") (sha256 $LANGUAGE_NODEJS_SHA256)"
  finish_tool "$tmp" "$dir" "$start"
}

tools=("$@")
if [ ${#tools[@]} -eq 0 ]; then
  tools=(pulumi kubernetes actionlint helm)
  # By default the language host is built only where its vendored source is (a bare clone has none); asked for
  # by name, a missing archive is an error. Without it `npm run preview` and the e2e say how to build it.
  if [ -x "$(tool_dir language-nodejs "$LANGUAGE_NODEJS_VERSION")/bin/pulumi-language-nodejs" ] ||
    vendor_archive "pulumi-language-nodejs-$LANGUAGE_NODEJS_VERSION.tar.gz" >/dev/null; then
    tools+=(language-nodejs)
  else
    log "skipping language-nodejs: its source archive is not here"
  fi
fi
for t in "${tools[@]}"; do
  case "$t" in
    pulumi | kubernetes | actionlint | helm | language-nodejs)
      s=$SECONDS
      "build_${t//-/_}"
      log "$t ready ($((SECONDS - s)) s)"
      ;;
    *) die "unknown tool '$t' (known: pulumi kubernetes actionlint helm language-nodejs)" ;;
  esac
done
