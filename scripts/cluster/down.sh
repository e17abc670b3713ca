#!/usr/bin/env bash
# Stops the local control plane started by up.sh, clients before servers (kwok, scheduler and controller-manager
# together, then the apiserver, then etcd): each daemon's whole process group gets SIGTERM, then SIGKILL after
# a grace period.
# Removes the cluster's state (etcd data, keys, kubeconfigs) but keeps logs/ for debugging.
# Safe to run at any time, any number of times; exits 0 when nothing of the cluster is left running.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/cluster/lib.sh
. "$here/lib.sh"

grace="${GENAI_CLUSTER_STOP_GRACE:-10}"
# Run by the watchdog itself: leave its own process group alone (it ends when this script does).
self_pgid=$(ps -o pgid= -p $$ | tr -d ' ')

# stop_groups PID...: SIGTERM to each process group, SIGKILL to those still alive after $grace seconds.
stop_groups() {
  local pid deadline
  local -a alive=()
  for pid in "$@"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + grace))
  while :; do
    alive=()
    for pid in "$@"; do kill -0 -- "-$pid" 2>/dev/null && alive+=("$pid"); done
    if [ ${#alive[@]} -eq 0 ] || [ $SECONDS -ge $deadline ]; then break; fi
    sleep 0.2
  done
  [ ${#alive[@]} -gt 0 ] || return 0
  log "process groups ${alive[*]} ignored SIGTERM for ${grace}s; sending SIGKILL"
  for pid in "${alive[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 5))
  for pid in "${alive[@]}"; do
    while kill -0 -- "-$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    ! kill -0 -- "-$pid" 2>/dev/null || die "process group $pid still alive after SIGKILL"
  done
}

# stop_tier NAME...: stops the named daemons together (pid files under $RUN_DIR) and forgets them.
stop_tier() {
  local name pid pids=()
  for name in "$@"; do
    [ -f "$RUN_DIR/$name.pid" ] || continue
    pid=$(cat "$RUN_DIR/$name.pid")
    if [ "$pid" != "$self_pgid" ] && printf '%s\n' "${ours[@]}" | grep -qx "$pid"; then
      log "stopping $name (process group $pid)"
      pids+=("$pid")
    fi
  done
  [ ${#pids[@]} -eq 0 ] || stop_groups "${pids[@]}"
  for name in "$@"; do rm -f "$RUN_DIR/$name.pid"; done
}

# A real node (node.sh) first: its pods, kubelet and containerd, while the API server still answers.
[ ! -d "$CLUSTER_DIR/node" ] || "$here/node.sh" down || log "node.sh down failed; continuing"

mapfile -t ours < <(cluster_pids)
# Clients first, together; then the API server; etcd last, so nothing writes to a store that is going away.
stop_tier watchdog kwok kube-scheduler kube-controller-manager
stop_tier kube-apiserver
stop_tier etcd

if [ -d "$CLUSTER_DIR" ]; then
  find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
fi
log "cluster stopped"
