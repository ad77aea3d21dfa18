#!/usr/bin/env bash
# Debian packages hanfs is built and tested with (root). Daemons are not started by the install.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(corosync pacemaker pacemaker-cli-utils crmsh resource-agents libxml2-utils
      e2fsprogs xfsprogs util-linux mount psmisc procps iproute2 kmod binutils file strace hyperfine
      haproxy nfs-ganesha nfs-ganesha-vfs libnfs-utils drbd-utils
      # Debian package (build/package.ts, test/pkg)
      dpkg-dev lintian
      # VM lab (test/vmlab): QEMU (TCG), the guest image builder (debootstrap, busybox initramfs)
      qemu-system-x86 qemu-utils debootstrap busybox-static cpio gzip dpkg)
own_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
fi
trap '[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
log=$(mktemp)
apt-get install -y -qq --no-install-recommends "${PKGS[@]}" > "$log" 2>&1 || { tail -50 "$log"; exit 1; }
rm -f "$log"
echo "Debian packages ready: ${PKGS[*]}"
