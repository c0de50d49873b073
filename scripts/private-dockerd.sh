#!/usr/bin/env bash
# Runs a dockerd that is private to one directory, for interop tests (docker load / docker save).
#   scripts/private-dockerd.sh start DIR   start dockerd (and its managed containerd) under DIR; prints the socket
#   scripts/private-dockerd.sh stop DIR    stop them, unmount what lies under DIR, remove DIR
# Nothing outside DIR is touched: no bridge, no iptables, no /var/lib/docker, no /run/docker.sock,
# no /etc/docker (own config file and trust key), and a cgroup parent named after DIR.
# The vfs storage driver keeps dockerd's layer store free of kernel mounts (load/save/import only).
set -euo pipefail

usage() { echo "usage: private-dockerd.sh start|stop DIR (DIR must be an absolute path)" >&2; exit 2; }
(($# == 2)) || usage
action=$1
dir=$2
[[ "$dir" == /* ]] || usage
sock="$dir/docker.sock"
# A unix socket path is limited to 108 bytes; containerd's socket lives deeper than ours.
((${#dir} <= 60)) || { echo "private-dockerd: directory '$dir' is ${#dir} characters; at most 60 are allowed (socket path limit)" >&2; exit 2; }

start() {
  command -v dockerd >/dev/null || { echo "private-dockerd: dockerd not found; run scripts/setup.sh --interop" >&2; exit 1; }
  # A fresh directory only: an existing one may belong to a running instance.
  [[ ! -e "$dir" ]] || { echo "private-dockerd: directory '$dir' already exists; start needs a new one" >&2; exit 1; }
  mkdir -p "$dir/data" "$dir/exec"
  # dockerd always creates /run/docker/plugins (plugin discovery); remember whether it was there.
  [[ -d /run/docker/plugins ]] || touch "$dir/created-run-docker-plugins"
  [[ -d /run/docker ]] || touch "$dir/created-run-docker"
  # The trust key would go to /etc/docker/key.json; this dockerd has no flag for it, only the config key.
  printf '{"deprecated-key-path": "%s"}\n' "$dir/key.json" >"$dir/daemon.json"
  local name
  name=$(basename "$dir")
  setsid dockerd \
    --config-file "$dir/daemon.json" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/pid" \
    -H "unix://$sock" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --storage-driver vfs \
    --cgroup-parent "$name" \
    >"$dir/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/launcher.pid"
  for _ in $(seq 1 300); do
    if docker -H "unix://$sock" info >/dev/null 2>&1; then
      echo "unix://$sock"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "private-dockerd: dockerd exited before answering; its log:" >&2
      tail -n 20 "$dir/dockerd.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  echo "private-dockerd: dockerd did not answer on $sock within 30 s; its log:" >&2
  tail -n 20 "$dir/dockerd.log" >&2 || true
  exit 1
}

# dockerd, the containerd it manages (which runs in its own session) and any shim: every process
# whose command line names DIR, which is unique to this instance.
instance_pids() {
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$dir/" && echo "${p#/proc/}"
  done
  return 0
}

stop() {
  [[ -d "$dir" ]] || return 0
  local pid=""
  [[ -f "$dir/launcher.pid" ]] && pid=$(cat "$dir/launcher.pid")
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  local left
  left=$(instance_pids)
  if [[ -n "$left" ]]; then
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    for _ in $(seq 1 50); do [[ -z "$(instance_pids)" ]] && break; sleep 0.1; done
  fi
  # Deepest first, so nested mounts go before their parents.
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  local name
  name=$(basename "$dir")
  for c in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/unified/"$name"; do
    [[ -d "$c" ]] && rmdir "$c" 2>/dev/null || true
  done
  # Only the directories this instance created, and only while empty (another dockerd may use them).
  [[ -f "$dir/created-run-docker-plugins" ]] && rmdir /run/docker/plugins 2>/dev/null || true
  [[ -f "$dir/created-run-docker" ]] && rmdir /run/docker 2>/dev/null || true
  rm -rf --one-file-system "$dir"
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
