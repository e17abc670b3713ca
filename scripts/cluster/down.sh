#!/usr/bin/env bash
# Stops the local control plane started by up.sh, clients before servers (kwok, scheduler, controller-manager,
# apiserver, etcd): each daemon's whole process group gets SIGTERM, then SIGKILL after a grace period.
# Removes the cluster's state (etcd data, keys, kubeconfigs) but keeps logs/ for debugging.
# Safe to run at any time, any number of times; exits 0 when nothing of the cluster is left running.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/cluster/lib.sh
. "$here/lib.sh"

grace="${GENAI_CLUSTER_STOP_GRACE:-10}"
# Run by the watchdog itself: leave its own process group alone (it ends when this script does).
self_pgid=$(ps -o pgid= -p $$ | tr -d ' ')

# stop_group PID: SIGTERM to the group, SIGKILL after $grace seconds; fails if it still lives after that.
stop_group() {
  local pid="$1" deadline
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + grace))
  while kill -0 -- "-$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if kill -0 -- "-$pid" 2>/dev/null; then
    log "process group $pid ignored SIGTERM for ${grace}s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while kill -0 -- "-$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    ! kill -0 -- "-$pid" 2>/dev/null || die "process group $pid still alive after SIGKILL"
  fi
}

mapfile -t ours < <(cluster_pids)
for name in watchdog kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  [ -f "$RUN_DIR/$name.pid" ] || continue
  pid=$(cat "$RUN_DIR/$name.pid")
  if [ "$pid" != "$self_pgid" ] && printf '%s\n' "${ours[@]}" | grep -qx "$pid"; then
    log "stopping $name (process group $pid)"
    stop_group "$pid"
  fi
  rm -f "$RUN_DIR/$name.pid"
done

if [ -d "$CLUSTER_DIR" ]; then
  find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
fi
log "cluster stopped"
