#!/usr/bin/env bash
# `npm run preview [-- vitest args]`: builds the engine and the Node.js language host if they are not cached
# (scripts/tools/build.sh), puts them on PATH, then runs the preview suite (vitest.preview.config.ts), which runs
# `pulumi preview` and `pulumi up` (render mode) with the policy pack for each stack in $PREVIEW_STACKS (default:
# dev,prod) in a scratch copy of the project directory and checks the result (docs/engine.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools/build.sh
eval "$(scripts/tools/env.sh --export)"
exec npx vitest run --config vitest.preview.config.ts "$@"
