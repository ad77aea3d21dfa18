import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { isBelow } from "./mountinfo";
import { pids } from "./procs";

export interface Holder {
  pid: number;
  comm: string;
  /** what ties it to the mount, e.g. "cwd /srv/x", "fd 3 /srv/f", "mmap /srv/lib.so" */
  why: string;
}

export interface Targets {
  /** mount points being freed (plain paths as in mountinfo) */
  mountpoints: string[];
  /** their mount IDs, matched exactly against /proc/<pid>/fdinfo/<fd> mnt_id */
  mountIds: Set<number>;
}

const DELETED = / \(deleted\)$/;
const read = (p: string) => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return undefined;
  }
};
const link = (p: string) => {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
};

/**
 * Find processes that keep any of `t` busy, by reading /proc only (no fuser: it stat()s files and
 * blocks on hung NFS; RA#423). Only paths below the target mount points count, so users of a
 * parent directory are never hit (RA#1944), and a bind mount of / at a target matches nothing
 * outside it. Nothing here touches the filesystem being freed: readlink of /proc links and reads of
 * fdinfo/maps are answered by the kernel from memory.
 */
export function findHolders(t: Targets, exclude: Set<number> = new Set([process.pid, 1]), proc = "/proc"): Holder[] {
  const under = (p: string | undefined) => {
    if (!p || p[0] !== "/") return undefined;
    const path = p.replace(DELETED, "");
    return t.mountpoints.find((mp) => isBelow(path, mp)) ? path : undefined;
  };
  const out: Holder[] = [];
  for (const pid of pids(proc)) {
    if (exclude.has(pid)) continue;
    const base = `${proc}/${pid}`;
    const why = holdReason(base, under, t.mountIds);
    if (why) out.push({ pid, comm: (read(`${base}/comm`) ?? "?").trim(), why });
  }
  return out;
}

function holdReason(base: string, under: (p: string | undefined) => string | undefined, ids: Set<number>): string | undefined {
  for (const k of ["cwd", "root", "exe"]) {
    const p = under(link(`${base}/${k}`));
    if (p) return `${k} ${p}`;
  }
  let fds: string[] = [];
  try {
    fds = readdirSync(`${base}/fd`);
  } catch {
    /* gone, or a kernel thread */
  }
  for (const fd of fds) {
    const target = link(`${base}/fd/${fd}`);
    if (!target || target[0] !== "/") continue; // sockets, pipes, anon inodes
    const p = under(target);
    if (p) return `fd ${fd} ${p}`;
    if (ids.size) {
      const m = /^mnt_id:\s*(\d+)/m.exec(read(`${base}/fdinfo/${fd}`) ?? "");
      if (m && ids.has(Number(m[1]))) return `fd ${fd} ${target}`;
    }
  }
  const maps = read(`${base}/maps`) ?? "";
  for (const line of maps.split("\n")) {
    const i = line.indexOf("/");
    if (i < 0) continue;
    const p = under(line.slice(i));
    if (p) return `mmap ${p}`;
  }
  return undefined;
}
