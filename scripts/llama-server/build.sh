#!/usr/bin/env bash
# Builds llama.cpp's own `llama-server` (CPU, Release) from the exact llama.cpp source node-llama-cpp ships
# (node_modules/node-llama-cpp/llama/gitRelease.bundle, release tag in llama.cpp.info.json), so that
# `npm run bench` compares our server with llama-server on the same ggml/llama code. Cached outside the
# repository, keyed by that tag, and rebuilt only when missing:
#   ${GENAI_TOOLS_CACHE:-$HOME/.cache/genai-platform/tools}/llama-server-<tag>/bin/llama-server
# The binary's path goes to stdout, progress to stderr.
#
# Usage: scripts/llama-server/build.sh              build when missing, print the path (cold: ~30 min on 2 cores)
#        scripts/llama-server/build.sh --check      print the path when cached, else exit 1 (never builds)
#        scripts/llama-server/build.sh --install BIN
#            adopt a llama-server already built from the same bundle with the flags below (checked: its
#            --version must name the bundle's commit), instead of building a second copy
#        scripts/llama-server/build.sh --print-flags  the CMake flags used, one per line
# Env: GENAI_TOOLS_CACHE (cache root), LLAMA_SERVER_JOBS (parallel compile jobs, default: nproc).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
llama_dir="$repo_root/node_modules/node-llama-cpp/llama"
cache_root="${GENAI_TOOLS_CACHE:-$HOME/.cache/genai-platform/tools}"

# The flags: a static (self-contained) CPU Release build of only the server. GGML_NATIVE=ON tunes it to this
# machine's CPU, as node-llama-cpp picks its best-matching prebuilt CPU variant at run time. No libcurl: the
# benchmark passes a local GGUF path.
cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release
  -DLLAMA_CURL=OFF
  -DBUILD_SHARED_LIBS=OFF
  -DGGML_NATIVE=ON
  -DLLAMA_BUILD_TESTS=OFF
  -DLLAMA_BUILD_EXAMPLES=OFF
  -DLLAMA_BUILD_TOOLS=ON
  -DLLAMA_BUILD_SERVER=ON
)

log() { printf '[llama-server %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[ "${1:-}" = "--print-flags" ] && {
  printf '%s\n' "${cmake_flags[@]}"
  exit 0
}

info="$llama_dir/llama.cpp.info.json"
bundle="$llama_dir/gitRelease.bundle"
[ -f "$info" ] && [ -f "$bundle" ] || die "node-llama-cpp's llama.cpp source is missing under $llama_dir (run npm ci)"
tag=$(sed -n 's/^[[:space:]]*"tag":[[:space:]]*"\([^"]*\)".*$/\1/p' "$info")
[[ "$tag" =~ ^[A-Za-z0-9._-]+$ ]] || die "no usable \"tag\" in $info (got: '$tag')"
commit=$(git bundle list-heads "$bundle" | awk '$2 == "HEAD" { print $1 }')
[[ "$commit" =~ ^[0-9a-f]{40}$ ]] || die "cannot read the HEAD commit of $bundle"

dir="$cache_root/llama-server-$tag"
bin="$dir/bin/llama-server"

# stamp TMPDIR: what was built, from which commit, with which flags, and the binary's sha256.
stamp() {
  {
    printf 'tag=%s\ncommit=%s\nsource=%s\n' "$tag" "$commit" "node-llama-cpp/llama/gitRelease.bundle"
    printf 'cmake=%s\n' "${cmake_flags[*]}"
    printf 'sha256=%s\n' "$(sha256sum "$1/bin/llama-server" | cut -d' ' -f1)"
  } >"$1/VERSION"
}

# finish TMPDIR: the cache directory appears only complete (built in <dir>.tmp, then renamed), so an
# interrupted build is redone instead of half-used.
finish() {
  rm -rf "$dir" && mv "$1" "$dir"
  log "llama-server $tag ($commit) -> $bin"
}

case "${1:-}" in
  --check)
    [ -x "$bin" ] || {
      log "not built yet: $bin (run scripts/llama-server/build.sh)"
      exit 1
    }
    printf '%s\n' "$bin"
    exit 0
    ;;
  --install)
    src="${2:-}"
    [ -x "$src" ] || die "--install needs the path of a built llama-server binary (got: '$src')"
    version=$("$src" --version 2>&1 || true)
    grep -q "${commit:0:7}" <<<"$version" ||
      die "$src is not built from the bundled commit ${commit:0:7} (its --version says: $(head -n 3 <<<"$version" | tr '\n' ' '))"
    tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
    cp "$src" "$tmp/bin/llama-server"
    stamp "$tmp"
    finish "$tmp"
    printf '%s\n' "$bin"
    exit 0
    ;;
  "") ;;
  *) die "unknown argument '$1' (expected --check, --install BIN or --print-flags)" ;;
esac

if [ -x "$bin" ]; then
  printf '%s\n' "$bin"
  exit 0
fi

command -v cmake >/dev/null || die "cmake is not on PATH (apt-get install cmake)"
command -v c++ >/dev/null || die "no C++ compiler on PATH (apt-get install g++)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
jobs="${LLAMA_SERVER_JOBS:-$(nproc)}"

start=$SECONDS
tmp="$dir.tmp" && rm -rf "$tmp" && mkdir -p "$tmp/bin"
log "building llama-server $tag (${commit:0:7}) in $tmp with $jobs jobs (cold: ~30 min on 2 cores)"
git clone --quiet "$bundle" "$tmp/src" 2>"$tmp/clone.log" || die "git clone of $bundle failed (log: $tmp/clone.log)"
nice -n 10 cmake -S "$tmp/src" -B "$tmp/src/build" "${generator[@]}" "${cmake_flags[@]}" >"$tmp/configure.log" 2>&1 ||
  die "cmake configure failed (log: $tmp/configure.log)"

# Build in the background and print the compile step ([n/total] from Ninja, [ n%] from Make) every 30 s.
nice -n 10 cmake --build "$tmp/src/build" --target llama-server -j "$jobs" >"$tmp/build.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  if (((SECONDS - start) % 30 < 5)) && kill -0 "$pid" 2>/dev/null; then
    step=$(grep -o '^\[ *[0-9/%]*\]' "$tmp/build.log" | tail -n 1 || true)
    log "  ... ${step:-configuring} $((SECONDS - start)) s"
  fi
done
if ! wait "$pid"; then
  tail -n 30 "$tmp/build.log" >&2
  die "build failed (full log: $tmp/build.log)"
fi
cp "$tmp/src/build/bin/llama-server" "$tmp/bin/llama-server"
rm -rf "$tmp/src"
stamp "$tmp"
finish "$tmp"
log "built in $((SECONDS - start)) s"
printf '%s\n' "$bin"
