#!/usr/bin/env bash
# Starts a local Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC on), kube-controller-manager,
# kube-scheduler and kwok simulating the nodes in manifests/nodes.yaml, then applies the CRDs server-side.
#
#   scripts/cluster/up.sh [--owner-pid PID]
#
# --owner-pid: also start a watchdog that runs down.sh as soon as PID exits (a test runner that is killed before
# its teardown still leaves no process behind).
# On success prints the admin kubeconfig path on stdout. On any failure it stops what it started (down.sh).
# Settings (env): GENAI_CLUSTER_DIR (state, default out/cluster), GENAI_CLUSTER_PORT_BASE (default 16440),
# GENAI_CRDS_DIR (default: ../shared/crds beside the repo, else test/e2e/crds), GENAI_TOOLS_CACHE.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/cluster/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/cluster/certs.sh
. "$here/certs.sh"

owner_pid=""
while [ $# -gt 0 ]; do
  case "$1" in
    --owner-pid)
      owner_pid="${2:?--owner-pid needs a PID}"
      shift 2
      ;;
    *) die "unknown argument: $1 (usage: up.sh [--owner-pid PID])" ;;
  esac
done

[ -z "$(cluster_pids)" ] || die "a cluster is already running from $CLUSTER_DIR; stop it with scripts/cluster/down.sh"

crds_dir="${GENAI_CRDS_DIR:-}"
if [ -z "$crds_dir" ]; then
  for d in "$REPO_ROOT/../shared/crds" "$REPO_ROOT/test/e2e/crds"; do
    if compgen -G "$d/*.yaml" >/dev/null; then
      crds_dir="$d"
      break
    fi
  done
fi
if [ -z "$crds_dir" ] || ! compgen -G "$crds_dir/*.yaml" >/dev/null; then
  die "no CRD manifests found in ../shared/crds or test/e2e/crds (set GENAI_CRDS_DIR)"
fi

started=$SECONDS
mapfile -t bins < <("$here/build.sh")
kube_bin="${bins[0]}"
kwok_bin="${bins[1]}"
kwok_stages="$(dirname "$kwok_bin")/stages"
kubectl="$kube_bin/kubectl"

# From here on, any failure stops whatever was started.
fail() {
  local rc=$?
  trap - EXIT INT TERM
  log "start failed (exit $rc); stopping what was started. Logs: $CLUSTER_DIR/logs"
  "$here/down.sh" || true
  exit "$rc"
}
trap fail EXIT
trap 'exit 130' INT TERM

rm -rf "$CLUSTER_DIR"
mkdir -p "$CLUSTER_DIR"/{pki,etcd,logs,run,kcm-certs,scheduler-certs}
chmod 700 "$CLUSTER_DIR" "$CLUSTER_DIR/pki" "$CLUSTER_DIR/etcd"
pki="$CLUSTER_DIR/pki"
logs="$CLUSTER_DIR/logs"

log "making certificates in $pki"
new_ca "$pki" ca genai-local-ca
new_ca "$pki" etcd-ca genai-local-etcd-ca
new_cert "$pki" etcd-server etcd-ca "/CN=etcd" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
new_cert "$pki" apiserver-etcd-client etcd-ca "/CN=kube-apiserver-etcd-client" clientAuth
new_cert "$pki" apiserver ca "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
new_cert "$pki" admin ca "/O=system:masters/CN=genai-admin" clientAuth
new_cert "$pki" controller-manager ca "/CN=system:kube-controller-manager" clientAuth
new_cert "$pki" scheduler ca "/CN=system:kube-scheduler" clientAuth
# kwok plays every kubelet and also writes pod status on their behalf; it gets cluster-admin rights below.
new_cert "$pki" kwok ca "/CN=kwok" clientAuth
# The API server's identity towards real kubelets (scripts/cluster/node.sh): logs, exec, port-forward.
new_cert "$pki" apiserver-kubelet-client ca "/CN=kube-apiserver-kubelet-client" clientAuth
openssl ecparam -genkey -name prime256v1 -noout -out "$pki/sa.key"
openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null

server="https://127.0.0.1:$APISERVER_PORT"
for who in admin controller-manager scheduler kwok; do
  new_kubeconfig "$CLUSTER_DIR/$who.kubeconfig" "$server" "$pki/ca.crt" "$pki/$who.crt" "$pki/$who.key"
done
admin_kubeconfig="$CLUSTER_DIR/admin.kubeconfig"

healthz() { curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$1" -o /dev/null; }
insecure_healthz() { curl -sfk "$1" -o /dev/null; } # self-signed serving certs of the controller-manager/scheduler

# --unsafe-no-fsync: the data is thrown away after the run; fsync only slows a shared CI disk.
start etcd "$kube_bin/etcd" \
  --name=genai-local --data-dir="$CLUSTER_DIR/etcd" --unsafe-no-fsync \
  --listen-client-urls="https://127.0.0.1:$ETCD_PORT" --advertise-client-urls="https://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="https://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="https://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="genai-local=https://127.0.0.1:$ETCD_PEER_PORT" \
  --cert-file="$pki/etcd-server.crt" --key-file="$pki/etcd-server.key" --client-cert-auth --trusted-ca-file="$pki/etcd-ca.crt" \
  --peer-cert-file="$pki/etcd-server.crt" --peer-key-file="$pki/etcd-server.key" --peer-client-cert-auth \
  --peer-trusted-ca-file="$pki/etcd-ca.crt"
wait_for etcd 60 curl -sf --cacert "$pki/etcd-ca.crt" --cert "$pki/apiserver-etcd-client.crt" \
  --key "$pki/apiserver-etcd-client.key" "https://127.0.0.1:$ETCD_PORT/health"

start kube-apiserver "$kube_bin/kube-apiserver" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --cert-dir="$CLUSTER_DIR/pki" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" --authorization-mode=Node,RBAC --anonymous-auth=false \
  --enable-admission-plugins=NodeRestriction --allow-privileged=false --profiling=false \
  --etcd-servers="https://127.0.0.1:$ETCD_PORT" --etcd-cafile="$pki/etcd-ca.crt" \
  --etcd-certfile="$pki/apiserver-etcd-client.crt" --etcd-keyfile="$pki/apiserver-etcd-client.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP
wait_for kube-apiserver 90 healthz "$server/readyz"

# kwok acts for every kubelet (node status, leases, pod status and deletion): bind its identity to cluster-admin.
"$kubectl" --kubeconfig "$admin_kubeconfig" create clusterrolebinding kwok-cluster-admin --clusterrole=cluster-admin \
  --user=kwok >/dev/null
# Real kubelets ask the API server (webhook authorization) whether its kubelet client may use their API.
"$kubectl" --kubeconfig "$admin_kubeconfig" create clusterrolebinding apiserver-kubelet-api-admin \
  --clusterrole=system:kubelet-api-admin --user=kube-apiserver-kubelet-client >/dev/null

start kube-controller-manager "$kube_bin/kube-controller-manager" \
  --kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" --cert-dir="$CLUSTER_DIR/kcm-certs" \
  --leader-elect=false --profiling=false --use-service-account-credentials \
  --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --service-cluster-ip-range=10.96.0.0/16
start kube-scheduler "$kube_bin/kube-scheduler" \
  --kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$CLUSTER_DIR/scheduler-certs" \
  --leader-elect=false --profiling=false

# kwok's configuration: its options plus the stages (node initialize + heartbeat, pod lifecycle) of its release.
{
  cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  cidr: 10.244.0.0/16
  nodeIP: 10.0.0.1
  serverAddress: 127.0.0.1:$KWOK_PORT
  nodeLeaseDurationSeconds: 40
  # kwok applies its documented defaults only to flags, not to a config file: spell them out.
  nodeLeaseParallelism: 4
  nodePlayStageParallelism: 4
  podPlayStageParallelism: 4
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
  # No exec/logs/port-forward/pprof endpoints: nothing needs them.
  enableDebuggingHandlers: false
  enableProfilingHandler: false
EOF
  for f in "$kwok_stages"/*.yaml; do
    echo "---"
    cat "$f"
  done
} >"$CLUSTER_DIR/kwok.yaml"
start kwok "$kwok_bin/kwok" --kubeconfig="$CLUSTER_DIR/kwok.kubeconfig" --config="$CLUSTER_DIR/kwok.yaml"

wait_for kube-controller-manager 60 insecure_healthz "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz"
wait_for kube-scheduler 60 insecure_healthz "https://127.0.0.1:$SCHEDULER_PORT/healthz"
wait_for kwok 60 curl -sf "http://127.0.0.1:$KWOK_PORT/healthz"

k() { "$kubectl" --kubeconfig "$admin_kubeconfig" "$@"; }

log "creating fake nodes and volumes"
k apply -f "$here/manifests/nodes.yaml" -f "$here/manifests/volumes.yaml" >/dev/null
k wait --for=condition=Ready node -l type=kwok --timeout=60s >/dev/null

log "applying CRDs server-side from $crds_dir"
k apply --server-side --field-manager=genai-cluster-up -f "$crds_dir" >/dev/null
k wait --for=condition=Established crd --all --timeout=60s >/dev/null

# Pods of the service-account admission need the namespace's default ServiceAccount (made by the controller-manager).
wait_for kube-controller-manager 60 k get serviceaccount default -n default

if [ -n "$owner_pid" ]; then
  # The watchdog's command line names $CLUSTER_DIR, so cluster_pids()/down.sh recognise it as ours.
  # shellcheck disable=SC2016 # $1..$3 are the inner script's arguments
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2/run" ]; do sleep 2; done
    GENAI_CLUSTER_WATCHDOG=1 exec "$3"' watchdog "$owner_pid" "$CLUSTER_DIR" "$here/down.sh" \
    >"$logs/watchdog.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/watchdog.pid"
fi

trap - EXIT INT TERM
log "cluster up in $((SECONDS - started))s: kubeconfig $admin_kubeconfig"
echo "$admin_kubeconfig"
