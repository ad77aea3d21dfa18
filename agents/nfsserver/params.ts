import type { Ctx } from "../../src/ocf/declare";
import { absPath, bool, int, optional, str } from "../../src/ocf/declare";
import { normalizePath } from "../../src/os/canonical";

/** a directory the agent creates files in: never the root directory */
const notRoot = (v: string) => absPath(v) ?? (v === "/" ? "must not be /" : undefined);
const port = (what: string) =>
  int({ default: 0, min: 0, max: 65535, shortdesc: `${what} port (0: the daemon's default)`, longdesc: `Fixed port for ${what}; 0 leaves the daemon's default (dynamic, registered with rpcbind).` });
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/;

export const params = {
  server: str({
    default: "kernel",
    check: (v) => (/^(kernel|ganesha)$/.test(v) ? undefined : `must be kernel or ganesha, got '${v}'`),
    shortdesc: "NFS server implementation: kernel or ganesha",
    longdesc: "kernel: the Linux nfsd with rpcbind, rpc.statd, rpc.mountd, nfsdcld (systemd units when systemd runs, the daemons directly otherwise). ganesha: nfs-ganesha with a configuration generated from these parameters.",
  }),
  nfs_shared_infodir: str({
    default: "",
    normalize: normalizePath, check: optional(notRoot),
    shortdesc: "directory on the shared storage holding the NFS state",
    longdesc: "Kept on the replicated/shared filesystem so that client and lock state follows the service. kernel: bind-mounted over /var/lib/nfs (v4recovery, nfsdcld, etab, rmtab, and rpc.statd's sm/ where this node's nfs-utils keeps it: Debian at the top, upstream in statd/). ganesha: holds the recovery records (RecoveryRoot <dir>/ganesha). May be reached through a symlink; a trailing slash is ignored.",
  }),
  nfs_ip: str({
    default: "",
    check: (v) => (v.split(",").map((s) => s.trim()).filter(Boolean).every((a) => IP.test(a)) ? undefined : `must be a comma separated list of IP addresses, got '${v}'`),
    shortdesc: "floating IP address(es) of the service, comma separated",
    longdesc: "sm-notify announces the reboot from each address (NFSv3 lock recovery, kernel backend).",
  }),
  nfs_server_scope: str({
    default: "",
    check: (v) => (v === "" || /^[A-Za-z0-9._:@-]{1,1000}$/.test(v) ? undefined : `may only contain letters, digits and . _ : @ -, got '${v}'`),
    shortdesc: "NFSv4.1 server scope, the same on every node",
    longdesc: "Clients reclaim state only from a server with the same scope. The kernel uses the host name; nodes with different names then refuse reclaims after failover (RA#1644). Set it to one value for the whole cluster (e.g. the service name); empty means the resource instance name.",
  }),
  nfsv4_only: bool({ default: false, shortdesc: "serve NFSv4 only", longdesc: "true: no NFSv3, so no rpcbind, rpc.statd, rpc.mountd or sm-notify." }),
  nfs_no_notify: bool({ default: false, shortdesc: "do not run sm-notify", longdesc: "Skip telling NFSv3 clients to reclaim their locks after start." }),
  nfs_notify_foreground: bool({ default: false, shortdesc: "run sm-notify in the foreground", longdesc: "sm-notify -d: start waits (bounded by its timeout) until the notifications are sent." }),
  nfs_smnotify_retry_time: int({ default: 0, min: 0, max: 10080, shortdesc: "sm-notify retry time in minutes (0: its default)", longdesc: "Passed as sm-notify -m." }),
  nfs_notify_cmd: str({ default: "sm-notify", check: (v) => (/^[A-Za-z0-9._\/-]+$/.test(v) ? undefined : `is not a program name: '${v}'`), shortdesc: "program that sends NSM reboot notifications", longdesc: "sm-notify, or a compatible program taking the same options." }),
  rpcpipefs_dir: str({ default: "/var/lib/nfs/rpc_pipefs", normalize: normalizePath, check: absPath, shortdesc: "rpc_pipefs mount point", longdesc: "Re-mounted on top of the bind-mounted /var/lib/nfs so rpc.idmapd and rpc.gssd keep working (RA#1300). While it keeps this default, nfs.conf's [general] pipefs-directory wins (Debian: /run/rpc_pipefs, outside /var/lib/nfs: nothing to re-mount)." }),
  nfs_init_script: str({ default: "", shortdesc: "accepted for compatibility, not used", longdesc: "heartbeat's init script path. hanfs starts systemd units when systemd is PID 1 and the daemons directly otherwise." }),
  nfsd_args: str({ default: "", check: (v) => (/^[A-Za-z0-9 ._=,:\/-]*$/.test(v) ? undefined : `has characters not allowed: '${v}'`), shortdesc: "extra rpc.nfsd arguments (kernel, direct daemons)", longdesc: "Added to the rpc.nfsd command line when hanfs starts the daemons itself." }),
  lockd_udp_port: port("lockd UDP"),
  lockd_tcp_port: port("lockd TCP"),
  statd_port: port("rpc.statd"),
  statd_outgoing_port: port("rpc.statd outgoing"),
  mountd_port: port("rpc.mountd (ganesha: MNT_Port)"),
  rquotad_port: port("rquotad (accepted, unused)"),
  nfsv4_grace_time: int({ default: 20, min: 10, max: 3600, shortdesc: "NFSv4 grace period in seconds", longdesc: "How long after start clients may reclaim state; new opens wait meanwhile (NFS4ERR_GRACE). Bounds the failover stall (the servers' own default is 90 s; 20 s keeps a failover short). Must be at least nfsv4_lease_time." }),
  nfsv4_lease_time: int({ default: 15, min: 10, max: 3600, shortdesc: "NFSv4 lease time in seconds", longdesc: "Clients renew their state within this time (default 15 s, the servers' own is 90 s: a shorter lease lets clients notice a failover and reclaim sooner, at the cost of more RENEW traffic). Written before nfsd starts (kernel) or into the ganesha configuration." }),
  nfsd_threads: int({ default: 8, min: 1, max: 4096, shortdesc: "number of nfsd threads (kernel)", longdesc: "rpc.nfsd thread count, or [nfsd] threads in nfs.conf under systemd." }),
  nfs_port: int({ default: 2049, min: 1, max: 65535, shortdesc: "NFS TCP port", longdesc: "Port the server listens on and the monitor sends its RPC NULL calls to." }),
  monitor_rpc_timeout: int({ default: 5, min: 1, max: 120, shortdesc: "seconds the monitor waits for RPC replies", longdesc: "A server that accepts the connection but does not answer an RPC NULL call within this time (hung, stopped) fails the monitor. Capped by the operation timeout." }),
  ganesha_binary: str({ default: "/usr/bin/ganesha.nfsd", normalize: normalizePath, check: absPath, shortdesc: "ganesha.nfsd program", longdesc: "Path of ganesha.nfsd (server=ganesha)." }),
  ganesha_plugins_dir: str({ default: "", normalize: normalizePath, check: optional(absPath), shortdesc: "ganesha FSAL plugin directory (empty: found automatically)", longdesc: "Directory with libfsalvfs.so; searched in the usual library directories when empty." }),
  ganesha_run_dir: str({ default: "/run/hanfs/ganesha", normalize: normalizePath, check: notRoot, shortdesc: "node-local directory for the generated ganesha configuration", longdesc: "Holds ganesha.conf, the pid file and exports.d/ where ocf:hanfs:exportfs resources put their EXPORT blocks. Must be the same for the exportfs resources." }),
  ganesha_log: str({ default: "SYSLOG", normalize: normalizePath, check: (v) => (v === "SYSLOG" || v === "STDERR" || v.startsWith("/") ? undefined : `must be SYSLOG, STDERR or an absolute path, got '${v}'`), shortdesc: "ganesha log destination", longdesc: "ganesha.nfsd -L: SYSLOG or a file." }),
  ganesha_extra_config: str({ default: "", normalize: normalizePath, check: optional(absPath), shortdesc: "file included at the end of the generated ganesha configuration", longdesc: "For settings hanfs does not generate (FSAL options, logging components, more EXPORT blocks)." }),
};

export type NfsParams = typeof params;
export type NfsCtx = Ctx<NfsParams>;

/** Rules between parameters that the per-parameter checks cannot express. */
export function checkGraceLease(p: { nfsv4_grace_time: number; nfsv4_lease_time: number }): string | undefined {
  if (p.nfsv4_grace_time < p.nfsv4_lease_time)
    return `nfsv4_grace_time (${p.nfsv4_grace_time}) must be >= nfsv4_lease_time (${p.nfsv4_lease_time}): clients need a full lease to notice the restart and reclaim`;
  return undefined;
}
