import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OCF, fail } from "../../../src/ocf/codes";
import { describe, run } from "../../../src/os/exec";
import { crypto } from "../../../src/os/lazy";
import { devString, isBelow, readMounts, topMountAt } from "../../../src/os/mountinfo";
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
const mountedAt = (dir: string) => readMounts().filter((m) => m.mountpoint === dir);

/**
 * Bind the shared dir over /var/lib/nfs. rpc_pipefs lives below it: unmount it first (the bind
 * would hide it and idmapd/gssd would lose their pipes, RA#1300), mount it again on top.
 */
export async function bindInfodir(ctx: NfsCtx, dir: string) {
  const pipefs = ctx.params.rpcpipefs_dir;
  if (infodirBound(dir)) return;
  if (isBelow(pipefs, VARLIB)) for (const _ of mountedAt(pipefs)) await mount(ctx, ["umount", pipefs], `unmount of ${pipefs}`);
  await mount(ctx, ["mount", "--bind", dir, VARLIB], `bind mount of ${dir} on ${VARLIB}`);
  await mountPipefs(ctx);
}

export async function mountPipefs(ctx: NfsCtx) {
  const pipefs = ctx.params.rpcpipefs_dir;
  if (mountedAt(pipefs).some((m) => m.fstype === "rpc_pipefs")) return;
  if (!hasFs("rpc_pipefs")) return ctx.log.warn("no rpc_pipefs in this kernel (sunrpc not loaded): rpc.idmapd and rpc.gssd cannot run");
  mkdirSync(pipefs, { recursive: true });
  await mount(ctx, ["mount", "-t", "rpc_pipefs", "sunrpc", pipefs], `mount of rpc_pipefs on ${pipefs}`);
}

/** Our bind on /var/lib/nfs (top mount there, from the shared dir's filesystem) and what sits on it. */
function ourMounts(dir: string) {
  const all = readMounts();
  const bind = topMountAt(all, VARLIB);
  let dev: string | undefined;
  try {
    dev = devString(statSync(dir).dev);
  } catch {
    return [];
  }
  if (!bind || bind.dev !== dev) return [];
  const ids = new Set([bind.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of all) if (!ids.has(m.id) && ids.has(m.parent)) grew = !!ids.add(m.id);
  }
  return all.filter((m) => ids.has(m.id)).reverse(); // children were mounted later: undo them first
}

/**
 * Unmount our rpc_pipefs and the bind so no mount holds the data filesystem (a leftover bind
 * keeps a DRBD device open: demote fails). Mounts that were there before ours are left alone.
 */
export async function unbindInfodir(ctx: NfsCtx, dir: string): Promise<string | undefined> {
  let last = "";
  await ctx.deadline.until(async () => {
    const left = ourMounts(dir);
    if (!left.length) return true;
    const argv = ["umount", left[0].mountpoint];
    const r = await run(argv, { timeoutMs: ctx.deadline.cap(10_000) });
    if (r.code !== 0) last = describe(argv, r);
    return undefined;
  }, 200);
  const left = ourMounts(dir);
  return left.length ? `${left.map((m) => m.mountpoint).join(", ")} still mounted at the stop deadline${last ? ` (${last})` : ""}` : undefined;
}
