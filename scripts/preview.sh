#!/usr/bin/env bash
# `npm run preview [-- vitest args]`: builds the engine if it is not cached (scripts/tools/build.sh), puts
# it on PATH, then runs the preview suite (vitest.preview.config.ts), which previews and renders each
# stack in $PREVIEW_STACKS (default: dev,prod) with the policy pack and checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools/build.sh
eval "$(scripts/tools/env.sh --export)"
exec npx vitest run --config vitest.preview.config.ts "$@"
