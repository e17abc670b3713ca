#!/usr/bin/env bash
# Prints the environment that puts the tools built by scripts/tools/build.sh on PATH, in `.env` form
# (KEY=value lines, also valid shell): `eval "$(scripts/tools/env.sh --export)"` or
# `scripts/tools/env.sh >> "$GITHUB_ENV"`-style use. Fails, naming the tool, when one is not built yet.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prefix=""
[ "${1:-}" = "--export" ] && prefix="export "

path=""
for spec in "pulumi $PULUMI_VERSION pulumi" "kubernetes $K8S_PROVIDER_VERSION pulumi-resource-kubernetes" \
  "actionlint $ACTIONLINT_VERSION actionlint"; do
  read -r name version bin <<<"$spec"
  dir="$(tool_dir "$name" "$version")/bin"
  [ -x "$dir/$bin" ] || die "$bin $version is not built: run scripts/tools/build.sh $name"
  path="$path$dir:"
done

# The Node.js language host: the CLI starts it to run Pulumi.yaml's program and policy-pack directories. It
# is built from a vendored archive that a clone may lack, so it is added when built; the preview and e2e runs
# check for it themselves and name the build command (scripts/preview/engine.ts).
lang_dir="$(tool_dir language-nodejs "$LANGUAGE_NODEJS_VERSION")/bin"
[ -x "$lang_dir/pulumi-language-nodejs" ] && path="$path$lang_dir:"

# Helm only serves the chart render checks, which say so when it is missing; the engine's suites need it not.
helm_dir="$(tool_dir helm "$HELM_VERSION")/bin"
[ -x "$helm_dir/helm" ] && path="$path$helm_dir:"

printf '%sPATH=%s%s\n' "$prefix" "$path" "$PATH"
# Plugins come from PATH only: never download one, never phone home.
printf '%sPULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\n' "$prefix"
printf '%sPULUMI_SKIP_UPDATE_CHECK=true\n' "$prefix"
