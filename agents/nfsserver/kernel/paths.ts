import { existsSync, readFileSync } from "node:fs";

// The kernel server's node-local files; what exportfs needs too is in src/nfs/server.ts.

/** read by rpc.nfsd under systemd (nfs-utils ≥ 2.x: [nfsd] grace-time, lease-time, threads) */
export const NFS_CONF = "/etc/nfs.conf.d/hanfs-nfsserver.conf";
export const SCOPE_DROPIN = "/run/systemd/system/nfs-server.service.d/50-hanfs-scope.conf";

/** sd_booted(): systemd manages this machine (and then owns the NFS daemons). */
export const systemdRuns = () => existsSync("/run/systemd/system");

export function uidOf(user: string): number | undefined {
  try {
    const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
    return line ? Number(line.split(":")[2]) : undefined;
  } catch {
    return undefined;
  }
}
