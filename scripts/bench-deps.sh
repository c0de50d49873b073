#!/usr/bin/env bash
# Installs the anchors of bench/raft: etcd 3.4 (Debian's etcd-server and etcd-client).
# Idempotent: installs only what is missing. The benchmark runs etcd itself, on loopback.
set -euo pipefail

packages=(etcd-server etcd-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "bench-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian starts an etcd service on install; the benchmark runs its own members, so stop it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  systemctl stop etcd || true
fi

command -v etcd >/dev/null && command -v etcdctl >/dev/null
etcd --version | head -1
