#!/usr/bin/env bash
# Installs what ClusterKit needs on a Debian 12 host. Idempotent: installs only what is missing.
#   scripts/setup.sh            runtime + build + test dependencies
#   scripts/setup.sh --bench    also the anchors the benchmarks compare against (crun, runc)
#   scripts/setup.sh --interop  also Debian's docker.io (dockerd, containerd, runc) for the image interop tests
set -euo pipefail

# docker-registry (CNCF distribution 2.8): the reference registry the image push/pull tests start on their own port.
packages=(busybox-static nftables iproute2 gcc libc6-dev make curl ca-certificates procps util-linux kmod file faketime skopeo docker-registry)
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
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package enables a registry service on :5000; tests start their own, so only that unit is stopped and disabled.
  if [[ " ${missing[*]} " == *" docker-registry "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl stop docker-registry 2>/dev/null || true
    systemctl disable docker-registry 2>/dev/null || true
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
