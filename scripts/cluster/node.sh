#!/usr/bin/env bash
# A real node beside the kwok ones: the kubelet of the `kube` multi-call binary (the same pinned Kubernetes as the
# control plane) with containerd + runc + the CNI bridge plugin from the distribution, joined to the cluster up.sh
# started. Pods scheduled onto it really run; GPU nodes stay simulated.
#
#   scripts/cluster/node.sh check   # exit 0, or print the first missing prerequisite and exit 3
#   scripts/cluster/node.sh up      # start containerd + kubelet, load the images, wait for the node to be Ready
#   scripts/cluster/node.sh down    # stop every pod container, the kubelet, containerd; undo mounts, cgroups, sysctls
#
# Needs root (containerd, runc and the kubelet's mounts and cgroups). Everything lives under $CLUSTER_DIR/node and
# $CLUSTER_DIR/logs/node-*.log; the node is tainted genai.local/real-node=true:NoSchedule so that only pods that ask
# for it land there. Pods get an eth0 on a bridge that has no address, and no route but their own /24: nothing
# reaches them but `kubectl port-forward` (kubelet -> containerd -> the pod's network namespace) on 127.0.0.1.
# Settings (env): GENAI_NODE_NAME (default real-cpu-0), GENAI_NODE_IMAGE (docker image to load, default
# genai-inference:local from scripts/image/build.sh), GENAI_NODE_MODEL (a .gguf copied to the node's model dir,
# default the cached SmolLM2 test model), GENAI_KUBE_BIN (default the build.sh cache), GENAI_CNI_BIN_DIR
# (default /usr/lib/cni). The model dir (hostPath for pods) is printed by `up` on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/cluster/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/cluster/certs.sh
. "$here/certs.sh"

NODE_NAME="${GENAI_NODE_NAME:-real-cpu-0}"
NODE_DIR="$CLUSTER_DIR/node"
NODE_IMAGE="${GENAI_NODE_IMAGE:-genai-inference:local}"
NODE_MODEL="${GENAI_NODE_MODEL:-${GENAI_MODEL_CACHE:-$HOME/.cache/genai-platform/models}/SmolLM2-135M-Instruct.Q4_1.gguf}"
CNI_BIN_DIR="${GENAI_CNI_BIN_DIR:-/usr/lib/cni}"
# The kubelet refuses a loopback node IP ("nodeIP can't be loopback address", validateNodeIP in
# pkg/kubelet/kubelet_node_status.go), and the API server dials the node's InternalIP. So the node gets one address
# of the benchmarking range (RFC 2544, never routed) as a /32 on the loopback interface: local traffic only, like
# 127.0.0.1, and the kubelet listens there and nowhere else. GENAI_NODE_IP overrides it.
NODE_IP="${GENAI_NODE_IP:-198.18.0.1}"
KUBELET_PORT=$((PORT_BASE + 7))
KUBELET_HEALTHZ_PORT=$((PORT_BASE + 8))
kube_version=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$here/cmd/go.mod")
KUBE_BIN="${GENAI_KUBE_BIN:-$TOOLS_CACHE/kube-$kube_version/bin}"
# The pause image is built here from the pause.c of the pinned Kubernetes module (no registry is reachable).
PAUSE_IMAGE="genai.local/pause:$kube_version"
# A bridge without an address, on a /24 that no other interface uses: pods reach each other and nothing else.
CNI_BRIDGE=genai-cni0
POD_SUBNET=10.88.0.0/24
# Per-node cgroup parent, under every cgroup v1 hierarchy (or the v2 root): the kubelet's kubepods tree lives in it.
CGROUP_ROOT="/genai-$NODE_NAME"
# Kernel settings the kubelet sets at start (its protectKernelDefaults=false behaviour); down.sh restores them.
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes)

ctr_() { ctr --address "$NODE_DIR/containerd/containerd.sock" --namespace k8s.io "$@"; }
k() { "$KUBE_BIN/kubectl" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" "$@"; }

# missing: prints the first prerequisite that is absent (empty output: all present).
missing() {
  local c
  [ "$(id -u)" = 0 ] || {
    echo "not root (containerd, runc and the kubelet need root)"
    return
  }
  for c in containerd runc ctr docker gcc go ip findmnt openssl curl; do
    command -v "$c" >/dev/null || {
      echo "$c not on PATH (apt-get install -y containerd runc containernetworking-plugins gcc; docker for the images)"
      return
    }
  done
  for c in bridge host-local loopback; do
    [ -x "$CNI_BIN_DIR/$c" ] || {
      echo "CNI plugin $CNI_BIN_DIR/$c missing (apt-get install -y containernetworking-plugins)"
      return
    }
  done
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || {
    echo "no cgroup v1 memory hierarchy and no cgroup v2 at /sys/fs/cgroup"
    return
  }
  "$KUBE_BIN/kube" kubelet --version >/dev/null 2>&1 || {
    echo "$KUBE_BIN/kube has no kubelet (scripts/cluster/build.sh builds it)"
    return
  }
  [ -f "$CLUSTER_DIR/admin.kubeconfig" ] && [ -f "$CLUSTER_DIR/pki/ca.key" ] || {
    echo "no cluster in $CLUSTER_DIR (scripts/cluster/up.sh)"
    return
  }
  docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || {
    echo "docker image $NODE_IMAGE missing (scripts/image/build.sh)"
    return
  }
  [ -f "$NODE_MODEL" ] || echo "model $NODE_MODEL missing (scripts/fetch-model.sh)"
}

# node_pids: live PIDs recorded for the node whose command line points into $NODE_DIR.
node_pids() {
  local name pid cmd
  for name in node-kubelet node-containerd; do
    [ -f "$RUN_DIR/$name.pid" ] || continue
    pid=$(cat "$RUN_DIR/$name.pid")
    # Read the command line whole first: `tr | grep -q` under pipefail fails at random when grep exits early (SIGPIPE).
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    if [[ "$cmd" == *"$NODE_DIR"* ]]; then echo "$pid"; fi
  done
}

# stop NAME: SIGTERM to the daemon's process group, SIGKILL after 15 s.
stop() {
  local name="$1" pid deadline
  [ -f "$RUN_DIR/$name.pid" ] || return 0
  pid=$(cat "$RUN_DIR/$name.pid")
  # grep without -q reads all of node_pids' output (with -q it may exit first and fail the pipe with SIGPIPE).
  if node_pids | grep -x "$pid" >/dev/null; then
    log "stopping $name (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while kill -0 -- "-$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# cgroup_dirs: the node's cgroup parent in every hierarchy (v1: one per controller plus the hybrid "unified" v2
# one, where runc mirrors the tree; v2: one).
cgroup_dirs() {
  local h
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo "/sys/fs/cgroup$CGROUP_ROOT"
    return
  fi
  for h in /sys/fs/cgroup/*/; do
    h=${h%/}
    if [ -f "$h/cgroup.procs" ]; then echo "$h$CGROUP_ROOT"; fi
  done
}

node_down() {
  local kube_ok=0 id m d s
  [ -f "$CLUSTER_DIR/admin.kubeconfig" ] && [ -x "$KUBE_BIN/kubectl" ] && kube_ok=1
  # Pods first, while the kubelet still runs them down properly; then the kubelet (no restarts behind our back).
  if [ $kube_ok = 1 ] && [ -n "$(node_pids)" ]; then
    k delete pods -A --field-selector "spec.nodeName=$NODE_NAME" --wait=false >/dev/null 2>&1 || true
    k wait --for=delete pods -A --field-selector "spec.nodeName=$NODE_NAME" --timeout=30s >/dev/null 2>&1 || true
  fi
  stop node-kubelet
  # Every container and sandbox still there (their shims outlive containerd), then containerd itself.
  if [ -S "$NODE_DIR/containerd/containerd.sock" ] && [ -n "$(node_pids)" ]; then
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
      ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1 || true; done
  fi
  stop node-containerd
  # Whatever is still mounted under the node's directory (rootfs overlays, secret tmpfs, netns), deepest first.
  if [ -d "$NODE_DIR" ]; then
    { findmnt -rn -o TARGET | grep -F "$NODE_DIR/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  fi
  ip link show "$CNI_BRIDGE" >/dev/null 2>&1 && ip link del "$CNI_BRIDGE"
  # cgroups: the kubelet's kubepods tree, leaves first (rmdir only removes empty ones).
  for d in $(cgroup_dirs); do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [ -f "$NODE_DIR/sysctl.saved" ]; then
    while read -r s; do sysctl -q -w "$s" >/dev/null || log "could not restore $s"; done <"$NODE_DIR/sysctl.saved"
  fi
  if [ -f "$NODE_DIR/node-ip.added" ]; then ip addr del "$NODE_IP/32" dev lo || log "could not remove $NODE_IP from lo"; fi
  if [ $kube_ok = 1 ]; then k delete node "$NODE_NAME" --ignore-not-found --wait=false >/dev/null 2>&1 || true; fi
  rm -rf "$NODE_DIR"
  log "node $NODE_NAME stopped"
}

write_containerd_config() {
  local c="$NODE_DIR/containerd"
  cat >"$c/config.toml" <<EOF
# containerd for node $NODE_NAME only: own socket, root, state and runc root, so that it never meets another
# containerd (e.g. Docker's) on this machine.
version = 2
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$c/containerd.sock"
[ttrpc]
  address = "$c/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # The streaming server (exec, port-forward) is reached by the kubelet only, on loopback.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  # Containers may not get a lower oom_score_adj than containerd's own: without CAP_SYS_RESOURCE (a sandbox's
  # bounding set may lack it) runc cannot lower it, and the kubelet asks -998 for every pod sandbox.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "$SNAPSHOTTER"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$NODE_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$NODE_DIR/net.d"
    max_conf_num = 1
EOF
}

write_cni_config() {
  # isGateway=false: the bridge gets no address, so the host has no route into the pods; the IPAM ranges carry no
  # routes, so a pod has none but its own subnet (and loopback, which containerd adds with the loopback plugin).
  cat >"$NODE_DIR/net.d/10-genai-pods.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "genai-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_SUBNET" }]],
        "dataDir": "$NODE_DIR/cni-ipam"
      }
    }
  ]
}
EOF
}

write_kubelet_config() {
  cat >"$NODE_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# On the node's loopback-interface address only: the API server reaches the kubelet (logs, exec, port-forward)
# at $NODE_IP:$KUBELET_PORT.
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $NODE_DIR/pki/kubelet-server.crt
tlsPrivateKeyFile: $NODE_DIR/pki/kubelet-server.key
# Callers prove who they are with a cluster certificate (the API server's kubelet client cert) and the API server
# decides what they may do (SubjectAccessReview); no anonymous access.
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $CLUSTER_DIR/pki/ca.crt
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$NODE_DIR/containerd/containerd.sock
imageServiceEndpoint: unix://$NODE_DIR/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
# The development machine runs cgroup v1 and may have swap; neither stops a test node.
failCgroupV1: false
failSwapOn: false
podLogsDir: $NODE_DIR/pod-logs
registerWithTaints:
  - key: genai.local/real-node
    value: "true"
    effect: NoSchedule
maxPods: 16
clusterDomain: cluster.local
resolvConf: ""
# The images are loaded by node.sh, never pulled: keep them (no image GC) and evict only when really short.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 200Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
enableProfilingHandler: false
enableSystemLogHandler: false
rotateCertificates: false
serverTLSBootstrap: false
EOF
}

load_images() {
  local src ctx="$NODE_DIR/pause-build"
  src=$(cd "$here/cmd" && go mod download -json "k8s.io/kubernetes@$kube_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -f "$src/build/pause/linux/pause.c" ] || die "no build/pause/linux/pause.c in the k8s.io/kubernetes module ($src)"
  mkdir -p "$ctx"
  gcc -Os -static -DVERSION="$kube_version" -o "$ctx/pause" "$src/build/pause/linux/pause.c"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
  log "loading $PAUSE_IMAGE and $NODE_IMAGE into the node's containerd"
  docker build -q -t "$PAUSE_IMAGE" "$ctx" >/dev/null 2>&1 || die "docker build of $PAUSE_IMAGE failed"
  docker save "$PAUSE_IMAGE" | ctr_ images import - >/dev/null
  docker save "$NODE_IMAGE" | ctr_ images import - >/dev/null
}

node_up() {
  local why d s
  why=$(missing)
  [ -z "$why" ] || die "cannot start a real node: $why"
  [ -z "$(node_pids)" ] || die "node $NODE_NAME already runs from $NODE_DIR; stop it with node.sh down"

  fail() {
    local rc=$?
    trap - EXIT INT TERM
    log "node start failed (exit $rc); stopping what was started. Logs: $CLUSTER_DIR/logs/node-*.log"
    node_down || true
    exit "$rc"
  }
  trap fail EXIT
  trap 'exit 130' INT TERM

  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"/{containerd,net.d,cni-ipam,kubelet,pod-logs,pki,models,runc}
  chmod 700 "$NODE_DIR" "$NODE_DIR/pki"
  started=$SECONDS

  # overlayfs when the kernel has it (the node dir is on a normal filesystem), else the copying snapshotter.
  SNAPSHOTTER=native
  grep -qw overlay /proc/filesystems && SNAPSHOTTER=overlayfs

  log "making the kubelet's certificates"
  cp "$CLUSTER_DIR/pki/ca.crt" "$CLUSTER_DIR/pki/ca.key" "$NODE_DIR/pki/"
  new_cert "$NODE_DIR/pki" kubelet-client ca "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  new_cert "$NODE_DIR/pki" kubelet-server ca "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  rm -f "$NODE_DIR/pki/ca.key"
  new_kubeconfig "$NODE_DIR/kubelet.kubeconfig" "https://127.0.0.1:$APISERVER_PORT" "$NODE_DIR/pki/ca.crt" \
    "$NODE_DIR/pki/kubelet-client.crt" "$NODE_DIR/pki/kubelet-client.key"

  write_containerd_config
  write_cni_config
  start node-containerd containerd --config "$NODE_DIR/containerd/config.toml"
  wait_for node-containerd 60 ctr_ version
  load_images

  # The model, readable by the pod's uid; pods mount this directory read-only (hostPath).
  cp "$NODE_MODEL" "$NODE_DIR/models/"
  chmod 755 "$NODE_DIR/models" && chmod 644 "$NODE_DIR/models/"*

  for d in $(cgroup_dirs); do
    mkdir -p "$d"
    # A new cpuset cgroup starts with no CPUs and no memory nodes: give it its parent's.
    if [ -f "$d/cpuset.cpus" ]; then
      cat "$(dirname "$d")/cpuset.cpus" >"$d/cpuset.cpus"
      cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
    fi
  done
  for s in "${SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$NODE_DIR/sysctl.saved"

  if ! ip -o addr show dev lo | grep -F " $NODE_IP/32 " >/dev/null; then
    ip addr add "$NODE_IP/32" dev lo
    touch "$NODE_DIR/node-ip.added"
  fi
  write_kubelet_config
  start node-kubelet "$KUBE_BIN/kube" kubelet --config="$NODE_DIR/kubelet.yaml" \
    --kubeconfig="$NODE_DIR/kubelet.kubeconfig" --root-dir="$NODE_DIR/kubelet" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --node-labels="type=real"
  wait_for node-kubelet 120 curl -sf "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
  wait_for node-kubelet 120 k wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s

  trap - EXIT INT TERM
  log "node $NODE_NAME Ready in $((SECONDS - started))s (kubelet $NODE_IP:$KUBELET_PORT, model dir below)"
  echo "$NODE_DIR/models"
}

case "${1:-}" in
  check)
    why=$(missing)
    [ -z "$why" ] || {
      echo "$why"
      exit 3
    }
    ;;
  up) node_up ;;
  down) node_down ;;
  *) die "usage: node.sh check|up|down" ;;
esac
