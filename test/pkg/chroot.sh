#!/usr/bin/env bash
# A cached Debian 12 root for the package test, keyed by what it contains.
#
#   chroot.sh ensure PKG...   prints the path of a root made by debootstrap (minbase) with PKG...
#                             installed; builds it once, then reuses it
#   chroot.sh key PKG...      prints the cache key only
#
# The cache lives outside the clone: $HANFS_PKGTEST_CACHE (default /var/cache/hanfs-pkgtest)/<key>.
# The key hashes the suite, the mirror, the sorted package list and this script. Tests never write
# into a cached root: they mount an overlay over it in their own mount namespace (see run-in.sh).
# Everything here runs in a private mount and PID namespace, so debootstrap's mounts and any
# daemon a maintainer script starts vanish with it; policy-rc.d forbids starting services at all.
set -euo pipefail
CACHE=${HANFS_PKGTEST_CACHE:-/var/cache/hanfs-pkgtest}
SUITE=bookworm
MIRROR=${HANFS_PKGTEST_MIRROR:-http://deb.debian.org/debian}
verb=${1:?usage: chroot.sh ensure|key PKG...}
shift
mapfile -t pkgs < <(printf '%s\n' "$@" | sort -u | grep -v '^$')
key=$( { printf '%s\n' "$SUITE" "$MIRROR" "${pkgs[@]}"; cat "$0"; } | sha256sum | cut -c1-16)
[ "$verb" = key ] && { echo "$key"; exit 0; }
[ "$verb" = ensure ] || { echo "chroot.sh: unknown verb $verb" >&2; exit 2; }
dir=$CACHE/$key
[ -e "$dir/complete" ] && { echo "$dir/root"; exit 0; }

mkdir -p "$CACHE"
exec 9>"$CACHE/$key.lock"
flock -w 1800 9 || { echo "chroot.sh: another build of $key holds the lock" >&2; exit 1; }
[ -e "$dir/complete" ] && { echo "$dir/root"; exit 0; }
tmp=$CACHE/$key.tmp.$$
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s)
log=$tmp/build.log
# --kill-child: if this script is killed (CI timeout), the namespace and everything in it goes too
if ! timeout 1500 unshare --mount --pid --fork --kill-child --mount-proc --propagation private -- bash -euo pipefail -c '
  root=$1 suite=$2 mirror=$3; shift 3
  debootstrap --variant=minbase "$suite" "$root" "$mirror"
  printf "#!/bin/sh\nexit 101\n" > "$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  export DEBIAN_FRONTEND=noninteractive LC_ALL=C
  chroot "$root" apt-get update -qq
  chroot "$root" apt-get install -y -qq --no-install-recommends "$@"
  chroot "$root" apt-get clean
  umount "$root/proc"
' chroot-build "$tmp/root" "$SUITE" "$MIRROR" "${pkgs[@]}" >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "chroot.sh: building $key failed (log above)" >&2
  exit 1
fi
printf '%s\n' "${pkgs[@]}" > "$tmp/packages"
echo "$(( $(date +%s) - t0 ))" > "$tmp/build-seconds"
touch "$tmp/complete"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
echo "chroot.sh: built $key in $(cat "$dir/build-seconds") s" >&2
echo "$dir/root"
