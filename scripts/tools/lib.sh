# Shared helpers for scripts/tools/*.sh (sourced, not run).
# Builds go into a version-keyed cache outside the repository so a clean clone reuses them:
#   ${GENAI_TOOLS_CACHE:-$HOME/.cache/genai-platform/tools}/<tool>-<version>/bin/
# A tool directory appears only once its build succeeded (built in <dir>.tmp, then renamed), so an
# interrupted build is redone instead of half-used.

tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$tools_dir/../.." && pwd)"
# shellcheck source=versions.env
. "$tools_dir/versions.env"
cache_root="${GENAI_TOOLS_CACHE:-$HOME/.cache/genai-platform/tools}"

log() { printf '[tools %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# tool_dir NAME VERSION: where that build lives in the cache.
tool_dir() { printf '%s/%s-%s' "$cache_root" "$1" "$2"; }

# fetch_module MODULE@VERSION DEST: a writable copy of the module's source (the module cache is read-only).
fetch_module() {
  local json dir
  json=$(go mod download -json "$1") || die "go mod download $1 failed: $json"
  dir=$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || die "go mod download $1 gave no source directory: $json"
  rm -rf "$2" && cp -r "$dir" "$2" && chmod -R u+w "$2"
}

# vendor_archive NAME: prints the path of a vendored source archive (sources the module proxy refuses, see its
# README), from $GENAI_VENDOR_SRC_DIR when set, else shared/vendor-src in, beside or two levels above the
# repository (a clone, a checkout beside shared/, a git worktree under wt/). Returns 1, naming where it looked.
vendor_archive() {
  local d tried="" dirs=("$repo_root/shared/vendor-src" "$repo_root/../shared/vendor-src" "$repo_root/../../shared/vendor-src")
  [ -n "${GENAI_VENDOR_SRC_DIR:-}" ] && dirs=("$GENAI_VENDOR_SRC_DIR")
  for d in "${dirs[@]}"; do
    if [ -f "$d/$1" ]; then
      printf '%s/%s\n' "$(cd "$d" && pwd)" "$1"
      return 0
    fi
    tried="$tried $d"
  done
  log "vendored archive $1 not found (looked in:$tried; set GENAI_VENDOR_SRC_DIR)"
  return 1
}

# go_build LOG ARGS...: `go build -v` at low priority (the machine is shared), printing a progress line
# every 30 s with the number of packages compiled so far; the full log stays in LOG.
go_build() {
  local logfile=$1 start=$SECONDS pid rc
  shift
  nice -n 10 go build -v "$@" >"$logfile" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if (((SECONDS - start) % 30 < 5)) && kill -0 "$pid" 2>/dev/null; then
      log "  ... $(grep -c '' "$logfile") packages compiled, $((SECONDS - start)) s"
    fi
  done
  wait "$pid"
  rc=$?
  if [ $rc -ne 0 ]; then
    tail -n 30 "$logfile" >&2
    die "go build failed (full log: $logfile)"
  fi
}

# stamp TMPDIR VERSION SOURCE: record what was built in TMPDIR/VERSION, with each binary's sha256 so a
# check can tell the stamp belongs to the binary (-trimpath keeps -ldflags out of Go's build info).
stamp() {
  {
    printf 'version=%s\nsource=%s\n' "$2" "$3"
    (cd "$1/bin" && sha256sum -- *) | sed 's/^\([0-9a-f]*\)  \(.*\)$/sha256:\2=\1/'
  } >"$1/VERSION"
}

# finish_tool TMPDIR DIR START: move a finished build into place and report how long it took.
finish_tool() {
  rm -rf "$2" && mv "$1" "$2"
  log "built $(basename "$2") in $((SECONDS - $3)) s -> $2"
}
