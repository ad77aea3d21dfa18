import type { Mount } from "./mountinfo";
import { readLink, realPath, SlowFsError } from "./slowfs";

/**
 * "/srv//data/" → "/srv/data": trailing slashes stripped (as heartbeat's agents do) and doubled
 * ones collapsed, so the path compares equal to what the kernel prints. "/" stays "/"; anything
 * not absolute is returned unchanged for the parameter check to refuse.
 */
export function normalizePath(p: string): string {
  if (!p.startsWith("/")) return p;
  return p.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1");
}

/** The two lookups canonicalPath needs; each may block on a hung filesystem, so each is bounded. */
export interface Resolver {
  /** `dir` with every symlink resolved (realpath -m: components that do not exist are kept as written) */
  realpath(dir: string): Promise<string>;
  /** the target of `path` when it is a symbolic link; undefined when it is not one or does not exist */
  readlink(path: string): Promise<string | undefined>;
}

export class ResolveError extends Error {}

const isMountpoint = (mounts: Mount[], p: string) => mounts.some((m) => m.mountpoint === p);

/**
 * The path the kernel reaches for `path` (what mountinfo shows once something is mounted there),
 * found without touching the filesystem mounted at it: a hung NFS server on the mount point must
 * not hang the agent that is asked to stop it.
 *
 * 1. A path that mountinfo lists as a mount point is canonical already (mountinfo paths are the
 *    kernel's): no filesystem call at all. This is the common case of every monitor.
 * 2. Else the parent is resolved (it is on another filesystem than a mount at `path`) and the last
 *    component appended; if mountinfo lists that, done.
 * 3. Else the last component is not a mount point, so it lives on the parent's filesystem and can
 *    be looked at: a symbolic link is followed by starting over with its target.
 */
export async function canonicalPath(path: string, mounts: Mount[], r: Resolver, hops = 0): Promise<string> {
  const p = normalizePath(path);
  if (p === "/" || isMountpoint(mounts, p)) return p;
  if (hops >= 40) throw new ResolveError(`${path}: too many levels of symbolic links`);
  const cut = p.lastIndexOf("/");
  const last = p.slice(cut + 1);
  // a link target such as "../x/.." names a directory on the way, not an entry in it
  if (last === "." || last === "..") return r.realpath(p);
  const parentPath = p.slice(0, cut) || "/";
  const parent = parentPath === "/" || isMountpoint(mounts, parentPath) ? parentPath : await r.realpath(parentPath);
  const candidate = parent === "/" ? `/${last}` : `${parent}/${last}`;
  if (isMountpoint(mounts, candidate)) return candidate;
  const link = await r.readlink(candidate);
  if (link === undefined) return candidate;
  return canonicalPath(link.startsWith("/") ? link : `${parent}/${link}`, mounts, r, hops + 1);
}

/**
 * Lookups in child processes (slowfs.ts: coreutils realpath and readlink), each bounded by
 * `budgetMs()`: a lookup stuck on a hung filesystem is killed and abandoned, and the agent answers
 * before its deadline.
 */
export function childResolver(budgetMs: () => number): Resolver {
  const bounded = async <T>(f: (ms: number) => Promise<T>) => {
    try {
      return await f(Math.max(1, budgetMs()));
    } catch (e) {
      throw e instanceof SlowFsError ? new ResolveError(e.hung ? e.message.replace(/^resolving |^readlink /, "") : e.message) : e;
    }
  };
  return {
    realpath: (dir) => bounded((ms) => realPath(dir, ms)),
    readlink: (path) => bounded((ms) => readLink(path, ms)),
  };
}
