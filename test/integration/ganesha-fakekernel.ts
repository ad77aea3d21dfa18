import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "../lab/lib/host";
import { runIn } from "./ganesha-fixture";

/**
 * A fake kernel NFS server for the kernel backend (this machine has no nfsd): tmpfs on
 * /proc/fs/nfsd, and stub daemons overlaid on /usr/sbin inside a box's mount namespace. Every
 * stub appends "<time> <name> <argv>" to LOG; rpcbind and nfsd answer ONC RPC NULL on 111/2049.
 * Files named hang-<stub> in the stub directory make that stub never come up.
 */
export const STUB_DAEMONS = ["rpcbind", "rpc.statd", "nfsdcld", "rpc.idmapd", "rpc.mountd"];

const RPC_JS = `const net = require("net");
net.createServer((s) => {
  let buf = Buffer.alloc(0);
  s.on("error", () => {});
  s.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + (buf.readUInt32BE(0) & 0x7fffffff)) {
      const xid = buf.readUInt32BE(4);
      buf = buf.subarray(4 + (buf.readUInt32BE(0) & 0x7fffffff));
      // REPLY, accepted, AUTH_NONE, SUCCESS, and a u32 result (PMAPPROC_GETPORT: mountd's port)
      const r = Buffer.alloc(32);
      r.writeUInt32BE((0x80000000 | 28) >>> 0, 0); r.writeUInt32BE(xid, 4); r.writeUInt32BE(1, 8); r.writeUInt32BE(20048, 28);
      s.write(r);
    }
  });
}).listen(+process.argv[2], "0.0.0.0");
`;

const daemon = (log: string, dir: string) => `#!/bin/sh
n=$(basename "$0")
if [ "$1" != --stub-daemon ]; then
  echo "$(date +%s.%N) $n $*" >> ${log}
  setsid "$0" --stub-daemon "$@" </dev/null >/dev/null 2>&1 &
  exit 0
fi
[ -e ${dir}/hang-$n ] && exit 1
# Debian's rpc.statd (the build on the VM lab's nodes) keeps NSM state in /var/lib/nfs itself and
# dies without its directory; nfsdcld keeps its client database in /var/lib/nfs/nfsdcld
[ "$n" = rpc.statd ] && ! [ -d /var/lib/nfs/sm ] && { echo "$(date +%s.%N) rpc.statd Failed to stat /var/lib/nfs/sm" >> ${log}; exit 1; }
[ "$n" = nfsdcld ] && { mkdir -p /var/lib/nfs/nfsdcld && : >> /var/lib/nfs/nfsdcld/main.sqlite || exit 1; }
child=
trap 'echo "$(date +%s.%N) $n TERM" >> ${log}; [ -n "$child" ] && kill $child; exit 0' TERM
[ "$n" = rpcbind ] && { node ${dir}/rpc.js 111 & child=$!; }
while :; do sleep 0.2 & wait $!; done
`;

/**
 * rpc.nfsd [N]: records grace/lease/hostname as nfsd would find them, then "starts" N threads;
 * without N, like the real one, the count in nfs.conf (what nfs-server.service runs).
 */
const nfsd = (log: string, dir: string) => `#!/bin/sh
N=/proc/fs/nfsd
for a; do last=$a; done
case "$last" in ''|*[!0-9]*) last=$(sed -n 's/^threads=//p' /etc/nfs.conf.d/hanfs-nfsserver.conf 2>/dev/null); esac
args="$*"
echo "$(date +%s.%N) rpc.nfsd\${args:+ $args} grace=$(cat $N/nfsv4gracetime) lease=$(cat $N/nfsv4leasetime) host=$(hostname)" >> ${log}
[ -e ${dir}/hang-rpc.nfsd ] && exit 0
if [ "$last" -gt 0 ]; then
  setsid node ${dir}/rpc.js 2049 </dev/null >/dev/null 2>&1 & echo $! > /run/stub-nfsd.pid
else
  [ -s /run/stub-nfsd.pid ] && kill $(cat /run/stub-nfsd.pid) && rm /run/stub-nfsd.pid
fi
echo $last > $N/threads
`;

const simple = (log: string) => `#!/bin/sh
echo "$(date +%s.%N) $(basename "$0") $*" >> ${log}
`;

/** exportfs: -i -o OPTS CLIENT:DIR adds to etab, -u CLIENT:DIR removes, -f does nothing. */
const exportfs = (log: string) => `#!/bin/sh
echo "$(date +%s.%N) exportfs $*" >> ${log}
E=/var/lib/nfs/etab; opts=; mode=add
while [ $# -gt 0 ]; do case $1 in -i) ;; -o) opts=$2; shift ;; -u) mode=del ;; -f) exit 0 ;; *) spec=$1 ;; esac; shift; done
client=\${spec%%:/*}; dir=/\${spec#*:/}
grep -v "^$dir	$client(" $E > $E.new 2>/dev/null; mv $E.new $E
[ $mode = add ] && printf '%s\\t%s(%s)\\n' "$dir" "$client" "$opts" >> $E
exit 0
`;

/**
 * systemctl: units map to the stub daemons. nfs-server runs what systemd would: the ExecStart of a
 * drop-in when there is one (its line split by the shell, "$$" unescaped to "$" as systemd does),
 * else rpc.nfsd, which takes its thread count from nfs.conf.
 */
const systemctl = (log: string) => `#!/bin/sh
echo "$(date +%s.%N) systemctl $*" >> ${log}
verb=$1; shift
kill_comm() { for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = "$1" ] && kill \${p#/proc/}; done; return 0; }
exec_start() {
  cmd=$(cat /run/systemd/system/nfs-server.service.d/*.conf 2>/dev/null | sed -n 's/^ExecStart=//p' | tail -1 | sed 's/\\$\\$/$/g')
  if [ -n "$cmd" ]; then eval "$cmd"; else rpc.nfsd; fi
}
for u; do
  case $verb:$u in
    start:rpcbind.service) rpcbind -w ;;
    start:rpc-statd.service) rpc.statd ;;
    start:nfsdcld.service) nfsdcld ;;
    start:nfs-idmapd.service) rpc.idmapd ;;
    start:nfs-mountd.service) rpc.mountd ;;
    start:nfs-server.service) exec_start ;;
    stop:nfs-server.service) rpc.nfsd 0 ;;
    stop:rpc-statd.service) kill_comm rpc.statd ;;
    stop:nfsdcld.service) kill_comm nfsdcld ;;
    stop:nfs-idmapd.service) kill_comm rpc.idmapd ;;
    stop:nfs-mountd.service) kill_comm rpc.mountd ;;
  esac
done
exit 0
`;

export function writeStubs(dir: string, log: string) {
  mkdirSync(dir, { recursive: true });
  const put = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  };
  for (const d of STUB_DAEMONS) put(d, daemon(log, dir));
  put("rpc.nfsd", nfsd(log, dir));
  put("sm-notify", simple(log));
  put("exportfs", exportfs(log));
  put("systemctl", systemctl(log));
  writeFileSync(join(dir, "rpc.js"), RPC_JS);
}

/**
 * Make `box` look like a Debian 12 node with the kernel NFS server installed and nfsd loaded; with
 * `systemd`, also like one booted by systemd (sd_booted: /run/systemd/system; nfs.conf.d in tmpfs).
 */
export async function fakeKernel(box: Host, stubs: string, systemd = false) {
  const sh = async (argv: string[]) => {
    const r = await runIn(box, argv);
    if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  };
  await sh(["mount", "-t", "overlay", "hanfs-stubs", "-o", `lowerdir=${stubs}:/usr/sbin`, "/usr/sbin"]);
  await sh(["mount", "-t", "tmpfs", "hanfs-nfsd", "/proc/fs/nfsd"]);
  await sh(["sh", "-c", "echo 0 > /proc/fs/nfsd/threads; echo 90 > /proc/fs/nfsd/nfsv4gracetime; echo 90 > /proc/fs/nfsd/nfsv4leasetime; : > /proc/fs/nfsd/unlock_filesystem"]);
  // the node's own /var/lib/nfs (never the host's) as Debian's nfs-common and nfs-kernel-server make it
  await sh(["mount", "-t", "tmpfs", "hanfs-varlib", "/var/lib/nfs"]);
  await sh(["sh", "-c", "cd /var/lib/nfs && mkdir sm sm.bak v4recovery && : > etab && : > rmtab && : > state"]);
  if (!systemd) return;
  await sh(["mkdir", "-p", "/run/systemd/system"]);
  await sh(["mount", "-t", "tmpfs", "hanfs-nfsconf", "/etc/nfs.conf.d"]);
}
