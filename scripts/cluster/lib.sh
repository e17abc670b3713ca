# shellcheck shell=bash
# shellcheck disable=SC2034 # settings used by the scripts that source this file
# Shared settings and helpers for scripts/cluster/*.sh (sourced, not executed).

# Pinned kwok release; the Kubernetes version lives in cmd/go.mod.
KWOK_VERSION=v0.8.0
TOOLS_CACHE="${GENAI_TOOLS_CACHE:-$HOME/.cache/genai-platform/tools}"

_cluster_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$_cluster_lib_dir/../.." && pwd)
# Everything a running cluster owns (certs, etcd data, logs, pid files, kubeconfigs) lives here.
CLUSTER_DIR="${GENAI_CLUSTER_DIR:-$REPO_ROOT/out/cluster}"
RUN_DIR="$CLUSTER_DIR/run"

# Loopback ports, all derived from one base so two checkouts can run side by side with different bases.
PORT_BASE="${GENAI_CLUSTER_PORT_BASE:-16440}"
ETCD_PORT=$((PORT_BASE + 1))
ETCD_PEER_PORT=$((PORT_BASE + 2))
APISERVER_PORT=$((PORT_BASE + 3))
CONTROLLER_MANAGER_PORT=$((PORT_BASE + 4))
SCHEDULER_PORT=$((PORT_BASE + 5))
KWOK_PORT=$((PORT_BASE + 6))

log() { echo "[cluster $(date +%T)] $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Prints the PIDs of live processes recorded under $RUN_DIR/*.pid whose command line still points into
# $CLUSTER_DIR (so a recycled PID of an unrelated process is never touched).
cluster_pids() {
  local f pid
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$CLUSTER_DIR"; then
      echo "$pid"
    fi
  done
}

# start NAME ARGS...: runs a daemon in its own process group (setsid), logging to logs/NAME.log. Used by up.sh
# (the control plane) and node.sh (containerd, the kubelet).
start() {
  local name="$1"
  shift
  log "starting $name"
  setsid "$@" >"$CLUSTER_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

# wait_for NAME SECONDS CMD...: polls CMD until it succeeds; fails early with the log tail if NAME died.
wait_for() {
  local name="$1" timeout="$2" deadline pid
  shift 2
  deadline=$((SECONDS + timeout))
  pid=$(cat "$RUN_DIR/$name.pid")
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$CLUSTER_DIR/logs/$name.log" >&2
      die "$name exited during start-up (log: $CLUSTER_DIR/logs/$name.log)"
    fi
    [ $SECONDS -lt $deadline ] || {
      tail -n 30 "$CLUSTER_DIR/logs/$name.log" >&2
      die "$name not ready after ${timeout}s (log: $CLUSTER_DIR/logs/$name.log)"
    }
    sleep 0.5
  done
  log "$name ready"
}
