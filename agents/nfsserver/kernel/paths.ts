import { existsSync, readFileSync } from "node:fs";

/** The kernel NFS server's fixed places (tests overlay them inside a private mount namespace). */
export const VARLIB = "/var/lib/nfs";
export const NFSD = "/proc/fs/nfsd";
/** read by rpc.nfsd under systemd (nfs-utils ≥ 2.x: [nfsd] grace-time, lease-time, threads) */
export const NFS_CONF = "/etc/nfs.conf.d/hanfs-nfsserver.conf";
export const SCOPE_DROPIN = "/run/systemd/system/nfs-server.service.d/50-hanfs-scope.conf";
const BIN_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/** sd_booted(): systemd manages this machine (and then owns the NFS daemons). */
export const systemdRuns = () => existsSync("/run/systemd/system");

export const which = (prog: string) => BIN_DIRS.map((d) => `${d}/${prog}`).find((p) => existsSync(p));

export function readNum(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Running nfsd threads; 0 when nfsd is down or its filesystem is not mounted. */
export const nfsdThreads = () => readNum(`${NFSD}/threads`) ?? 0;

export function uidOf(user: string): number | undefined {
  try {
    const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
    return line ? Number(line.split(":")[2]) : undefined;
  } catch {
    return undefined;
  }
}
