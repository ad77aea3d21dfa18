import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OCF, fail } from "../../../src/ocf/codes";
import { describe, run } from "../../../src/os/exec";
import { kernelPath } from "../../../src/ocf/paths";
import { crypto } from "../../../src/os/lazy";
import { devString, isBelow, readMounts, topMountAt, type Mount } from "../../../src/os/mountinfo";
import type { NfsCtx } from "../common";
import { VARLIB, uidOf } from "./paths";

/** /var/lib/nfs shows the shared info dir (same inode), i.e. our bind mount is in place. */
export function infodirBound(infodir: string): boolean {
  try {
    const a = statSync(infodir);
    const b = statSync(VARLIB);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/** What nfsd, statd, mountd and nfsdcld expect in /var/lib/nfs, created on the shared disk once. */
export function prepareInfodir(dir: string) {
  for (const d of ["v4recovery", "nfsdcld", "statd/sm", "statd/sm.bak", "rpc_pipefs"]) mkdirSync(join(dir, d), { recursive: true });
  for (const f of ["etab", "xtab", "rmtab"]) if (!existsSync(join(dir, f))) writeFileSync(join(dir, f), "");
  // statd's NSM state number: must exist and survive failover (clients compare it)
  if (!existsSync(join(dir, "statd/state"))) writeFileSync(join(dir, "statd/state"), crypto().randomBytes(4));
  const statd = uidOf("statd");
  if (statd !== undefined) for (const d of ["statd", "statd/sm", "statd/sm.bak", "statd/state"]) chownSync(join(dir, d), statd, -1);
}

async function mount(ctx: NfsCtx, argv: string[], what: string) {
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(10_000) });
  if (r.code !== 0) fail(OCF.ERR_GENERIC, `${what}: ${describe(argv, r)}`);
}

const hasFs = (type: string) => {
  try {
    return readFileSync("/proc/filesystems", "utf8").split("\n").some((l: string) => l.split("\t").pop() === type);
  } catch {
    return false;
  }
};
/** Mounts at `path` (its canonical form, as mountinfo prints it). */
const mountedAt = (all: Mount[], path: string) => all.filter((m) => m.mountpoint === path);

/**
 * /var/lib/nfs and rpcpipefs_dir the way the kernel reaches them: either may lie behind a symlink,
 * and mountinfo shows only the canonical path. Both are mount points when in use: no lookup then.
 */
const kernelVarlib = (ctx: NfsCtx, all = readMounts()) => kernelPath(ctx, VARLIB, all);
const kernelPipefs = (ctx: NfsCtx, all = readMounts()) => kernelPath(ctx, ctx.params.rpcpipefs_dir, all);

/**
 * Bind the shared dir over /var/lib/nfs. rpc_pipefs lives below it: unmount it first (the bind
 * would hide it and idmapd/gssd would lose their pipes, RA#1300), mount it again on top.
 */
export async function bindInfodir(ctx: NfsCtx, dir: string) {
  if (infodirBound(dir)) return;
  const all = readMounts();
  const varlib = await kernelVarlib(ctx, all);
  const pipefs = await kernelPipefs(ctx, all);
  if (isBelow(pipefs, varlib)) for (const _ of mountedAt(all, pipefs)) await mount(ctx, ["umount", pipefs], `unmount of ${pipefs}`);
  await mount(ctx, ["mount", "--bind", dir, varlib], `bind mount of ${dir} on ${varlib}`);
  await mountPipefs(ctx);
}

export async function mountPipefs(ctx: NfsCtx) {
  if (!hasFs("rpc_pipefs")) return ctx.log.warn("no rpc_pipefs in this kernel (sunrpc not loaded): rpc.idmapd and rpc.gssd cannot run");
  const all = readMounts();
  const pipefs = await kernelPipefs(ctx, all);
  if (topMountAt(all, pipefs)?.fstype === "rpc_pipefs") return;
  mkdirSync(pipefs, { recursive: true });
  await mount(ctx, ["mount", "-t", "rpc_pipefs", "sunrpc", pipefs], `mount of rpc_pipefs on ${pipefs}`);
}

/**
 * Our bind on /var/lib/nfs (`varlib`: its canonical path) and what sits on it: the top mount there
 * if it comes from the shared dir's filesystem (`dev`), with its descendants, children first.
 */
export function boundMounts(all: Mount[], varlib: string, dev: string | undefined): Mount[] {
  const bind = topMountAt(all, varlib);
  if (!bind || !dev || bind.dev !== dev) return [];
  const ids = new Set([bind.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of all) if (!ids.has(m.id) && ids.has(m.parent)) grew = !!ids.add(m.id);
  }
  return all.filter((m) => ids.has(m.id)).reverse(); // children were mounted later: undo them first
}

function ourMounts(dir: string, varlib: string) {
  let dev: string | undefined;
  try {
    dev = devString(statSync(dir).dev); // follows a symlinked info dir to the filesystem it is on
  } catch {
    return [];
  }
  return boundMounts(readMounts(), varlib, dev);
}

/**
 * Unmount our rpc_pipefs and the bind so no mount holds the data filesystem (a leftover bind
 * keeps a DRBD device open: demote fails). Mounts that were there before ours are left alone.
 */
export async function unbindInfodir(ctx: NfsCtx, dir: string): Promise<string | undefined> {
  const varlib = await kernelVarlib(ctx);
  let last = "";
  await ctx.deadline.until(async () => {
    const left = ourMounts(dir, varlib);
    if (!left.length) return true;
    const argv = ["umount", left[0].mountpoint];
    const r = await run(argv, { timeoutMs: ctx.deadline.cap(10_000) });
    if (r.code !== 0) last = describe(argv, r);
    return undefined;
  }, 200);
  const left = ourMounts(dir, varlib);
  return left.length ? `${left.map((m) => m.mountpoint).join(", ")} still mounted at the stop deadline${last ? ` (${last})` : ""}` : undefined;
}
