#!/usr/bin/env bash
# Installs what ClusterKit needs on a Debian 12 host. Idempotent: installs only what is missing.
#   scripts/setup.sh            runtime + build + test dependencies
#   scripts/setup.sh --bench    also the anchors the benchmarks compare against (crun, runc)
#   scripts/setup.sh --interop  also Debian's docker.io (dockerd, containerd, runc) for the image interop tests
set -euo pipefail

# docker-registry (CNCF distribution 2.8): the reference registry the image push/pull tests start on their own port.
# etcd-server and etcd-client (etcd 3.4): the reference etcd the KV conformance tests start on their own ports, and etcdctl.
packages=(busybox-static nftables iproute2 gcc libc6-dev make curl ca-certificates procps util-linux kmod file faketime skopeo docker-registry etcd-server etcd-client)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(crun runc hyperfine)
fi
if [[ "${1:-}" == "--interop" ]]; then
  # dockerd needs containerd and runc (dependencies of docker.io) plus iptables/tini it calls; no services are started.
  packages+=(docker.io containerd runc iptables tini)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # etcd-server's maintainer script starts a system etcd on 127.0.0.1:2379; a policy-rc.d that denies every start keeps
  # it (and any other package's daemon) down during the install. Only a policy this script wrote is removed afterwards.
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    own_policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# written by ClusterKit scripts/setup.sh for the length of one apt-get install\nexit 101\n' >"$own_policy"
    chmod 755 "$own_policy"
    trap 'rm -f "$own_policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n "$own_policy" ]]; then
    rm -f "$own_policy"
    trap - EXIT
  fi
  # The package enables a registry service on :5000; tests start their own, so only that unit is stopped and disabled.
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl stop docker-registry 2>/dev/null || true
    systemctl disable docker-registry 2>/dev/null || true
  fi
fi

# The etcd unit (and its SysV script) must neither run nor come up at a later boot: tests start their own etcd on free
# ports, and a system etcd on 2379 would answer a test that got its endpoint wrong. Stopped by its unit, never by name.
if dpkg-query -W -f='${Status}' etcd-server 2>/dev/null | grep -q "install ok installed"; then
  if command -v systemctl >/dev/null 2>&1; then
    if [[ -d /run/systemd/system ]]; then
      systemctl stop etcd 2>/dev/null || true
    fi
    systemctl disable etcd 2>/dev/null || true
  fi
  if command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d etcd disable >/dev/null 2>&1 || true
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi

# overlayfs, bridge, veth and nftables NAT live in modules on some kernels; load what is there.
for m in overlay bridge veth br_netfilter nf_tables nf_nat vxlan; do
  modprobe -q "$m" 2>/dev/null || true
done
