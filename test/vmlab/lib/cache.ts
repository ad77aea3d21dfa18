import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTime } from "../../lab/lib/run";

/** Where built VM images live, one directory per content key. */
export const cacheRoot = () => process.env.HANFS_VMLAB_CACHE || "/var/cache/hanfs-vmlab";

export interface Entry {
  dir: string;
  /** true when this call built it, false when it was already there (or another process built it meanwhile) */
  built: boolean;
  ms: number;
}

interface Owner {
  pid: number;
  start: string;
}

const me = (): Owner => ({ pid: process.pid, start: startTime(process.pid) ?? "?" });
const alive = (o: Owner) => startTime(o.pid) === o.start;

function ownerOf(dir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "owner"), "utf8"));
  } catch {
    return undefined;
  }
}

/** Old enough that a missing owner file cannot be a lock that is being created right now. */
const oldMs = (dir: string, ms: number) => Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) > ms;

/**
 * The lock that lets one process at a time build into `root` (a mkdir is atomic). A lock whose
 * owner process is gone (SIGKILLed build) is taken over. One build at a time machine-wide on
 * purpose: the machine has 2 cores, and builds share the package download cache.
 */
async function lock(root: string, deadlineMs: number, onWait: () => boolean): Promise<(() => void) | undefined> {
  const dir = join(root, "build.lock");
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, "owner"), JSON.stringify(me()));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const o = ownerOf(dir);
    if (o ? !alive(o) : oldMs(dir, 60_000)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (onWait()) return undefined; // what we wait for appeared meanwhile
    if (Date.now() >= end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${dir} (held by ${JSON.stringify(o)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const ready = (dir: string) => existsSync(join(dir, "ready"));

/** Mark an entry used now (pruning keeps entries by last use). */
export function touch(dir: string) {
  const now = new Date();
  try {
    utimesSync(join(dir, "ready"), now, now);
  } catch {
    /* pruned meanwhile: the caller's files stay readable through open descriptors */
  }
}

/**
 * The cache entry `root/key`, built by `build(tmp)` when missing: into a temporary directory that
 * is renamed into place only when complete, so readers never see half an image and a killed build
 * leaves only a temporary directory (removed by the next build).
 */
export async function cached(root: string, key: string, build: (tmp: string) => Promise<void>, o: { deadlineMs?: number; keepDays?: number } = {}): Promise<Entry> {
  const t0 = Date.now();
  const dir = join(root, key);
  if (ready(dir)) {
    touch(dir);
    return { dir, built: false, ms: Date.now() - t0 };
  }
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const release = await lock(root, o.deadlineMs ?? 30 * 60_000, () => ready(dir));
  if (!release) return { dir, built: false, ms: Date.now() - t0 };
  try {
    if (ready(dir)) return { dir, built: false, ms: Date.now() - t0 };
    // temporary directories of dead processes (killed builds); live ones may be a publish() in progress
    for (const e of readdirSync(root)) {
      const pid = Number(e.match(/\.tmp-(\d+)-/)?.[1]);
      if (pid && !existsSync(`/proc/${pid}`)) rmSync(join(root, e), { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true }); // never complete (no "ready") — cannot happen via rename, but be sure
    const tmp = join(root, `${key}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`);
    mkdirSync(tmp, { mode: 0o755 });
    try {
      await build(tmp);
      writeFileSync(join(tmp, "ready"), new Date().toISOString() + "\n");
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    prune(root, key, o.keepDays ?? 3);
    return { dir, built: true, ms: Date.now() - t0 };
  } finally {
    release();
  }
}

/**
 * Add `root/key` made by `fill(tmp)` unless it exists, without the build lock (for by-products of
 * a run, made in seconds): the first complete one to be renamed into place wins, others are dropped.
 */
export async function publish(root: string, key: string, fill: (tmp: string) => Promise<void>): Promise<boolean> {
  const dir = join(root, key);
  if (ready(dir)) return false;
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const tmp = join(root, `${key}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`);
  mkdirSync(tmp, { mode: 0o755 });
  try {
    await fill(tmp);
    writeFileSync(join(tmp, "ready"), new Date().toISOString() + "\n");
    renameSync(tmp, dir);
    return true;
  } catch (e) {
    if (["EEXIST", "ENOTEMPTY"].includes((e as NodeJS.ErrnoException).code ?? "")) return false;
    throw e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Remove entries of other keys nobody used for `keepDays` (other branches may still use theirs,
 * so only old ones go). Running VMs keep their open backing files even if one is removed.
 */
function prune(root: string, keep: string, keepDays: number) {
  for (const e of readdirSync(root)) {
    const d = join(root, e);
    if (e === keep || !ready(d)) continue;
    if (Date.now() - statSync(join(d, "ready")).mtimeMs > keepDays * 86_400_000) rmSync(d, { recursive: true, force: true });
  }
}
