#!/bin/sh
# PID 1 of a lab node, first stage: runs inside fresh net/mount/uts/ipc/pid namespaces (unshare
# --propagation private) and gives the node its private view of the machine, then execs the init.
# usage: boot.sh RUN_DIR NODE        (per-node state lives in RUN_DIR/nodes/NODE)
set -eu
R=$1 N=$2 D=$1/nodes/$2
[ "$$" = 1 ] || { echo "boot.sh: refusing to run outside a new pid namespace" >&2; exit 1; }
hostname "$N"
mount --make-rprivate /

# Pacemaker's panic path writes 'b' to /proc/sysrq-trigger, which is host-global: divert it.
if [ -e /proc/sysrq-trigger ]; then : >"$D/sysrq-trigger"; mount --bind "$D/sysrq-trigger" /proc/sysrq-trigger; fi

# fresh /run and /dev/shm at every boot (libqb IPC lives in /dev/shm)
mount -t tmpfs -o mode=0755,size=64m "$R-run" /run
mkdir -p /run/lock /run/resource-agents /run/crm /run/user
chmod 1777 /run/lock
ln -s /dev/shm /run/shm
mount -t tmpfs -o mode=1777,size=256m "$R-shm" /dev/shm

# persistent per-node "disk": config, state, logs, home
for pair in etc-corosync:/etc/corosync var-lib-corosync:/var/lib/corosync \
    var-lib-pacemaker:/var/lib/pacemaker var-lib-heartbeat:/var/lib/heartbeat \
    var-log:/var/log hosts:/etc/hosts home:/root; do
  mount --bind "$D/${pair%%:*}" "${pair#*:}"
done

# hanfs as installed by `hanfs install --root $R/root` (its relative links need /usr/lib/hanfs too),
# and the lab's fence agent: read-only overlays on the compiled-in directories
mount -t overlay "$R-lib" -o "lowerdir=$R/root/usr/lib:/usr/lib" /usr/lib
mount -t overlay "$R-sbin" -o "lowerdir=$R/sbin:/usr/sbin" /usr/sbin

exec perl "$(dirname "$0")/init.pl" "$N" "$R/power"
