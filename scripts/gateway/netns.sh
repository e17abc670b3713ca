#!/usr/bin/env bash
# Runs a command in a new network namespace whose only interface is loopback (brought up here), so a suite that
# gives each model server its own loopback address (127.0.0.1, 127.0.0.2, ...: one address per "pod", as the
# endpoint picker addresses pods by IP on one target port) reaches nothing beyond this machine, and its fixed
# ports (the picker's 9002/9003/9090, the control plane's) collide with nothing outside.
#   scripts/gateway/netns.sh COMMAND [ARGS...]
# Root gets a plain network namespace; other users a user namespace too (--map-root-user), where the kernel
# allows unprivileged user namespaces.
set -euo pipefail
if [ "${GENAI_IN_NETNS:-}" = "1" ]; then
  ip link set lo up
  exec "$@"
fi
[ $# -gt 0 ] || {
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
}
command -v unshare >/dev/null || {
  echo "netns.sh: unshare (util-linux) is required" >&2
  exit 1
}
flags=(--net)
[ "$(id -u)" = "0" ] || flags+=(--map-root-user)
exec unshare "${flags[@]}" env GENAI_IN_NETNS=1 "$0" "$@"
