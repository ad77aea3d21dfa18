import { readFileSync } from "node:fs";

/** One row of /proc/<pid>/mountinfo (proc(5)). */
export interface Mount {
  id: number;
  parent: number;
  /** "major:minor" of st_dev for files on this mount */
  dev: string;
  /** path inside the filesystem that is mounted here (not "/" for bind mounts of a subdirectory) */
  root: string;
  mountpoint: string;
  options: string;
  fstype: string;
  source: string;
  superOptions: string;
}

/**
 * mountinfo escapes space, tab, newline and backslash as \ooo octal. Most fields have none, and a
 * replace with a callback is the costliest step of a depth-0 monitor under Bun: skip it then.
 */
export const unescapeOctal = (s: string) => (s.includes("\\") ? s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))) : s);

export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const f = line.split(" ");
    const sep = f.indexOf("-", 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      dev: f[2],
      root: unescapeOctal(f[3]),
      mountpoint: unescapeOctal(f[4]),
      options: f[5],
      fstype: f[sep + 1],
      source: unescapeOctal(f[sep + 2]),
      superOptions: f[sep + 3] ?? "",
    });
  }
  return out;
}

/**
 * The mount table of this process's mount namespace. Read until two reads agree: the kernel
 * builds the file page by page, so a concurrent (u)mount can give one torn read.
 */
export function readMounts(file = "/proc/self/mountinfo"): Mount[] {
  let prev = readFileSync(file, "utf8");
  for (let i = 0; i < 5; i++) {
    const next = readFileSync(file, "utf8");
    if (next === prev) break;
    prev = next;
  }
  return parseMountinfo(prev);
}

/** true when `path` is `dir` or lies below it (plain path logic: "/foo/barx" is not below "/foo/bar"). */
export function isBelow(path: string, dir: string): boolean {
  if (dir === "/") return path.startsWith("/");
  return path === dir || path.startsWith(dir + "/");
}

/** The mount visible at `mountpoint` (the last one stacked there), if any. */
export function topMountAt(mounts: Mount[], mountpoint: string): Mount | undefined {
  let top: Mount | undefined;
  for (const m of mounts) if (m.mountpoint === mountpoint) top = m;
  return top;
}

/**
 * Where `path` lives by the mount table alone (no filesystem call, so safe on a hung mount): the
 * mount that is the longest prefix of the path, its device, and the path inside that filesystem
 * (what a bind mount of `path` shows as its root). Plain path logic: a symlink on the way makes
 * the answer wrong, so callers confirm a mismatch by other means before they act on it.
 */
export function originOf(mounts: Mount[], path: string): { mount: Mount; dev: string; root: string } | undefined {
  let best: Mount | undefined;
  for (const m of mounts) if (isBelow(path, m.mountpoint) && (!best || m.mountpoint.length >= best.mountpoint.length)) best = m;
  if (!best) return undefined;
  const rest = best.mountpoint === "/" ? path : path.slice(best.mountpoint.length);
  const root = best.root === "/" ? rest || "/" : `${best.root}${rest}`;
  return { mount: best, dev: best.dev, root };
}

/** major:minor of a device number as the kernel encodes it (new_encode_dev). */
export function devString(rdev: number): string {
  const n = BigInt(rdev);
  const major = ((n >> 8n) & 0xfffn) | ((n >> 32n) & ~0xfffn);
  const minor = (n & 0xffn) | ((n >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
