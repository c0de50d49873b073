#!/usr/bin/env bash
# Lays out a minimal root filesystem from Debian's busybox-static in DIR: busybox with a
# link per applet, /etc/passwd and /etc/group, and a page for httpd to serve.
#   scripts/busybox-rootfs.sh DIR
set -euo pipefail
dir=${1:?usage: busybox-rootfs.sh DIR}
busybox=/bin/busybox
[[ -x $busybox ]] || { echo "busybox-rootfs: $busybox missing (run scripts/setup.sh)" >&2; exit 1; }
file "$busybox" 2>/dev/null | grep -q "dynamically" && { echo "busybox-rootfs: $busybox is not static; install busybox-static" >&2; exit 1; }

mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,var/www,home}
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list-full); do
  [[ "$applet" == bin/busybox ]] && continue
  mkdir -p "$dir/$(dirname "$applet")"
  ln -sf /bin/busybox "$dir/$applet"
done
cat > "$dir/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
www:x:33:33:www:/var/www:/bin/false
P
cat > "$dir/etc/group" <<'G'
root:x:0:
daemon:x:1:
www:x:33:
nogroup:x:65534:
G
echo "hello from a ClusterKit container" > "$dir/var/www/index.html"
