#!/bin/sh
# Debian packages the lab needs (for .ci/run on a clean machine). Idempotent; no service is started.
# nfs-ganesha is optional: without it `npm run demo` uses a Dummy stand-in for the nfs resource.
set -eu
pkgs="corosync pacemaker pacemaker-cli-utils crmsh resource-agents psmisc iproute2 util-linux mount e2fsprogs perl-base procps"
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done)
[ -z "$missing" ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
