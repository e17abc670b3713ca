#!/bin/sh
# Removes llama.cpp's Sapphire Rapids CPU variant (libggml-cpu-sapphirerapids.so) from node-llama-cpp's prebuilt
# binaries, so ggml picks the next-best variant (Cooper Lake / Ice Lake: AVX-512 VNNI and BF16, no AMX).
#
# Why: that variant is the only one with ggml's AMX weight repacking, which handles Q4_0/Q4_1 weights with AMX
# kernels. Measured on this platform's development machine (SmolLM2-135M Q4_1, 1 thread): token generation took
# 1050 ms per token with it and 63 ms without (llama-server with --no-repack: 67 ms); Ollama dropped the variant
# for the same reason (ollama/ollama#9203, "negative performance impact"). ggml chooses the variant by CPU
# features alone and node-llama-cpp 3.21.1 exposes no option to skip it, so the file goes. Prompt evaluation
# loses the AMX speed-up; the benchmark's llama-server runs the same way (--no-repack).
#
# Usage: drop-amx-cpu-variant.sh [NODE_MODULES_DIR]   (default: ./node_modules). Idempotent; POSIX sh so the
# image's build stage can run it.
set -eu
dir=${1:-node_modules}
[ -d "$dir/@node-llama-cpp" ] || { echo "drop-amx-cpu-variant: no $dir/@node-llama-cpp (run npm ci first)" >&2; exit 1; }
found=0
for f in "$dir"/@node-llama-cpp/*/bins/*/libggml-cpu-sapphirerapids.so; do
  [ -e "$f" ] || continue
  rm -f "$f"
  found=$((found + 1))
  echo "drop-amx-cpu-variant: removed $f"
done
[ "$found" -gt 0 ] || echo "drop-amx-cpu-variant: nothing to remove under $dir/@node-llama-cpp"
