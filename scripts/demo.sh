#!/usr/bin/env bash
# ClusterKit's main job on its embedded default, on this one host: installs what is
# missing, builds everything, starts a worker, imports the busybox base image, runs a web
# server container with a published port and prints its URL.
#   scripts/demo.sh            (as root)
#   CK_DEMO_PORT=8080          host port to publish (default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
port=${CK_DEMO_PORT:-8080}
out=$repo/out
data_root=${CK_DATA_ROOT:-/var/lib/clusterkit}
socket=${CK_WORKER_SOCKET:-/run/clusterkit/worker.sock}
export CK_WORKER_SOCKET=$socket

[[ $(id -u) == 0 ]] || { echo "demo: run as root (containers need namespaces, cgroups and nftables)" >&2; exit 1; }

scripts/setup.sh

echo "demo: building"
CK_OUT=$out scripts/build.sh
ck() { "$out/ck" "$@"; }

if ! ck container ps >/dev/null 2>&1; then
  echo "demo: starting the worker (log: /var/log/ck-worker.log)"
  mkdir -p "$(dirname "$socket")"
  nohup "$out/ck-worker" --data-root "$data_root" --socket "$socket" >/var/log/ck-worker.log 2>&1 &
  echo $! > "$(dirname "$socket")/ck-worker.pid"
  for _ in $(seq 100); do
    ck container ps >/dev/null 2>&1 && break
    sleep 0.2
  done
  ck container ps >/dev/null || { echo "demo: the worker did not come up:" >&2; tail -20 /var/log/ck-worker.log >&2; exit 1; }
fi

if ! ck image inspect busybox:latest >/dev/null 2>&1; then
  echo "demo: building the busybox:latest base image from Debian's busybox-static"
  rootfs=$(mktemp -d /tmp/ck-busybox.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  scripts/busybox-rootfs.sh "$rootfs/rootfs"
  ck image import "$rootfs/rootfs" busybox:latest --change 'CMD ["sh"]' >/dev/null
fi

ck container rm --force ck-demo-web >/dev/null 2>&1 || true
echo "demo: running a web server container"
ck container run -d --name ck-demo-web -p "$port:80" --memory 64m --restart always \
  busybox:latest httpd -f -v -p 80 -h /var/www >/dev/null

for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
  sleep 0.1
done
ck container ps
echo
echo "curl http://127.0.0.1:$port/ ->"
curl -fsS "http://127.0.0.1:$port/"
echo
echo "Demo running at http://127.0.0.1:$port/  (ck is $out/ck; try: $out/ck container logs ck-demo-web)"
echo "Stop and clean up: pid=\$(cat $(dirname "$socket")/ck-worker.pid); kill \$pid; tail --pid=\$pid -f /dev/null; $out/ck worker cleanup --purge --data-root $data_root --socket $socket"
