#!/usr/bin/env bash
# run-in.sh ROOT SHARE CMD...: run CMD inside a throw-away copy of the Debian root ROOT.
#
# New mount, PID, UTS, IPC and network namespaces (no network: whatever runs inside is offline and
# cannot reach the host's daemons); the cached ROOT is the lower layer of an overlay whose upper
# layer is a tmpfs, so nothing inside ever changes ROOT and everything vanishes on exit. /proc is
# the namespace's own, /dev holds only null/zero/full/random/urandom/tty. SHARE (a host directory)
# appears as /hanfs-test. The host's /etc and /usr are never touched.
set -euo pipefail
root=${1:?usage: run-in.sh ROOT SHARE CMD...}
share=${2:?usage: run-in.sh ROOT SHARE CMD...}
shift 2
[ -x "$root/bin/sh" ] || { echo "run-in.sh: $root is not a Debian root" >&2; exit 2; }
# exec: whoever kills this script (a test's time limit) kills unshare, and --kill-child the rest
exec unshare --mount --uts --ipc --net --pid --fork --kill-child --propagation private -- bash -euo pipefail -c '
  root=$1 share=$2; shift 2
  mnt=/mnt  # covered by a tmpfs in this namespace only: nothing is created on the host
  mount -t tmpfs -o size=4g,mode=755 hanfs-pkgtest "$mnt"
  mkdir "$mnt/up" "$mnt/work" "$mnt/m"
  mount -t overlay hanfs-pkgtest -o "lowerdir=$root,upperdir=$mnt/up,workdir=$mnt/work" "$mnt/m"
  m=$mnt/m
  mount -t proc proc "$m/proc"
  mount -t tmpfs -o mode=755,size=1m hanfs-dev "$m/dev"
  for n in null zero full random urandom tty; do touch "$m/dev/$n"; mount --bind "/dev/$n" "$m/dev/$n"; done
  mkdir "$m/dev/pts" "$m/dev/shm"
  mount -t tmpfs -o mode=1777,size=64m hanfs-shm "$m/dev/shm"
  ln -s /proc/self/fd "$m/dev/fd"
  for i in 0 1 2; do ln -s "/proc/self/fd/$i" "$m/dev/$(echo stdin stdout stderr | cut -d" " -f$((i+1)))"; done
  mkdir -p "$m/hanfs-test"
  mount --bind "$share" "$m/hanfs-test"
  mount -t tmpfs -o mode=755 hanfs-run "$m/run"
  # not a node of the tested topology: drbdadm then parses r0.res without asking for its addresses here
  hostname hanfs-pkgtest
  ip link set lo up
  exec chroot "$m" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
' run-in "$root" "$share" "$@"
