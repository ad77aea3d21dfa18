#!/bin/sh
# Runs chrooted in the fresh rootfs (private network/mount/pid namespaces) while the image is built.
set -eu
# every boot of every VM generates its own machine id
: >/etc/machine-id
passwd -d root >/dev/null
# network from the kernel command line (ip=...), without waiting for "online"
systemctl enable systemd-networkd.service systemd-network-generator.service
systemctl mask systemd-networkd-wait-online.service
# the tests start the services under test themselves
for u in nfs-server.service drbd.service pacemaker.service corosync.service haproxy.service \
  rpcbind.service rpcbind.socket getty@tty1.service; do
  systemctl disable "$u" 2>/dev/null || true
done
for u in nfs-client.target rpc-statd-notify.service nfs-blkmap.service logd.service; do
  systemctl disable "$u" 2>/dev/null || true
done
# boot time under emulation: no timers, no module loads nobody needs, no login sessions
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
  systemd-journal-flush.service systemd-logind.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
  modprobe@drm.service modprobe@efi_pstore.service modprobe@fuse.service modprobe@loop.service \
  modprobe@dm_mod.service modprobe@configfs.service 2>/dev/null
rm -f /etc/dpkg/dpkg.cfg.d/hanfs-vmlab-unsafe-io
chmod 755 /usr/sbin/fence_hanfsvm
rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* \
  /usr/share/locale/* /debootstrap
