import { lstatSync } from "node:fs";
import { join } from "node:path";
import { VARLIB } from "../../../src/nfs/server";
import { OCF, OcfError, fail } from "../../../src/ocf/codes";
import { kernelPath, onDisk } from "../../../src/ocf/paths";
import { describe, run } from "../../../src/os/exec";
import { kernelFilesystems } from "../../../src/os/fstypes";
import { crypto } from "../../../src/os/lazy";
import { isBelow, originOf, readMounts, topMountAt, type Mount } from "../../../src/os/mountinfo";
import { params, type NfsCtx } from "../params";
import { pipefsDir, readNfsConf, STATD_LAYOUTS, statdSubdir } from "./layout";
import { uidOf } from "./paths";

/*
 * The shared info dir may sit on storage that hangs (the HA case: the disk went away under us).
 * Nothing here calls the filesystem in-process: the mount table answers where it can, and what it
 * cannot answer is asked of a bounded child (src/os/slowfs.ts), so every action keeps its deadline.
 */

/** A symlink among /var, /var/lib, /var/lib/nfs (lstat: the node's own disk while nothing is mounted there). */
function hasSymlink(path: string): boolean {
  let p = "";
  for (const c of path.split("/").filter(Boolean)) {
    p += `/${c}`;
    try {
      if (lstatSync(p).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * /var/lib/nfs as the kernel reaches it (mountinfo shows only that path). A mount point there is
 * canonical already; otherwise it is looked up only when a symlink is on the way.
 */
async function varlibPath(ctx: NfsCtx, all: Mount[]): Promise<string> {
  if (topMountAt(all, VARLIB) || !hasSymlink(VARLIB)) return VARLIB;
  return kernelPath(ctx, VARLIB, all);
}

/**
 * The filesystem ("major:minor") the info dir is on, when something is mounted on /var/lib/nfs at
 * all. When the mount table's paths disagree (a symlink on the way, or not our bind) the disk is
 * asked; if it does not answer, the mount there is left alone: its path does not lead to the info
 * dir, and Filesystem's stop removes every mount of the shared device anyway.
 */
async function infodirDev(ctx: NfsCtx, dir: string, varlib: string, all: Mount[]): Promise<string | undefined> {
  const top = topMountAt(all, varlib);
  if (!top) return undefined;
  const o = originOf(all, dir);
  if (o && o.dev === top.dev) return o.dev;
  try {
    return (await onDisk(ctx, ctx.deadline.remaining() / 2).statPath(dir))?.dev;
  } catch (e) {
    if (!(e instanceof OcfError)) throw e;
    ctx.log.warn(`${e.message}; leaving ${varlib} (${top.source}, ${top.fstype}) alone: it is not the info dir by its path`);
    return undefined;
  }
}

/**
 * Is /var/lib/nfs our bind of the shared info dir? By the mount table when its paths say so (no
 * filesystem call: every monitor of a running server); else a bounded stat of both, which fails
 * the action with the reason when the storage does not answer.
 */
export async function infodirBound(ctx: NfsCtx, dir: string, all = readMounts()): Promise<boolean> {
  const varlib = await varlibPath(ctx, all);
  const top = topMountAt(all, varlib);
  if (!top) return false;
  const o = originOf(all, dir);
  if (o && o.dev === top.dev && o.root === top.root) return true;
  const { found } = await onDisk(ctx, ctx.deadline.remaining() / 2).statPaths([dir, varlib]);
  const [a, b] = [found.get(dir), found.get(varlib)];
  return !!a && !!b && a.dev === b.dev && a.ino === b.ino;
}

const FILES = ["etab", "xtab", "rmtab"];

/**
 * rpc.statd's directory relative to /var/lib/nfs (layout.ts): nfs.conf, else the layout the package
 * made in the node's own /var/lib/nfs (before our bind hides it), else the info dir's. Undefined:
 * outside /var/lib/nfs (warned: NFSv3 lock state then stays on the node).
 */
async function statdDir(ctx: NfsCtx, dir: string): Promise<string | undefined> {
  const where = [VARLIB, dir].flatMap((base) => STATD_LAYOUTS.map((l) => ({ l, p: join(base, l, "sm") })));
  const { found } = await onDisk(ctx).statPaths(where.map((w) => w.p));
  const conf = readNfsConf();
  const statd = statdSubdir(conf, where.filter((w) => found.get(w.p)?.isDir).map((w) => w.l));
  if (statd === undefined) ctx.log.warn(`nfs.conf puts rpc.statd's state in ${conf.get("statd.state-directory-path")}, outside ${VARLIB}: NFSv3 lock state does not follow a failover`);
  return statd;
}

/** What nfsd, statd, mountd and nfsdcld expect in /var/lib/nfs, created on the shared disk once. */
export async function prepareInfodir(ctx: NfsCtx, dir: string) {
  const disk = onDisk(ctx);
  const statd = await statdDir(ctx, dir);
  const nsm = statd === undefined ? [] : [...(statd ? [statd] : []), join(statd, "sm"), join(statd, "sm.bak")];
  const state = statd === undefined ? [] : [join(statd, "state")];
  const dirs = ["v4recovery", "nfsdcld", ...nsm];
  const { found } = await disk.statPaths([...dirs, ...FILES, ...state].map((x) => join(dir, x)));
  const missingDirs = dirs.map((d) => join(dir, d)).filter((p) => !found.has(p));
  if (missingDirs.length) await disk.makeDirs(missingDirs);
  for (const f of FILES.map((x) => join(dir, x)).filter((p) => !found.has(p))) await disk.createFile(f, "");
  // statd's NSM state number: must exist and survive failover (clients compare it)
  for (const f of state.map((x) => join(dir, x)).filter((p) => !found.has(p))) await disk.createFile(f, crypto().randomBytes(4));
  // statd runs as the owner of its directory
  const uid = uidOf("statd");
  if (uid !== undefined && nsm.length) await disk.chownPaths(uid, [...nsm, ...state].map((x) => join(dir, x)));
}

async function mount(ctx: NfsCtx, argv: string[], what: string) {
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(10_000) });
  if (r.code !== 0) fail(OCF.ERR_GENERIC, `${what}: ${describe(argv, r)}`);
}

/** Mounts at `path` (its canonical form, as mountinfo prints it). */
const mountedAt = (all: Mount[], path: string) => all.filter((m) => m.mountpoint === path);

/**
 * rpcpipefs_dir (nfs.conf's pipefs-directory while the parameter keeps its default: where the
 * node's idmapd and nfsdcld look) the way the kernel reaches it; a mount point needs no lookup.
 */
const kernelPipefs = (ctx: NfsCtx, all = readMounts()) => kernelPath(ctx, pipefsDir(ctx.params.rpcpipefs_dir, params.rpcpipefs_dir.default!, readNfsConf()), all);

/**
 * Bind the shared dir over /var/lib/nfs. rpc_pipefs lives below it: unmount it first (the bind
 * would hide it and idmapd/gssd would lose their pipes, RA#1300), mount it again on top.
 */
export async function bindInfodir(ctx: NfsCtx, dir: string) {
  const all = readMounts();
  if (await infodirBound(ctx, dir, all)) return;
  const varlib = await varlibPath(ctx, all);
  const pipefs = await kernelPipefs(ctx, all);
  // -c: mountinfo's paths are canonical, and umount's own lookup of them would hang on a hung disk
  if (isBelow(pipefs, varlib)) for (const _ of mountedAt(all, pipefs)) await mount(ctx, ["umount", "-c", pipefs], `unmount of ${pipefs}`);
  await mount(ctx, ["mount", "--bind", dir, varlib], `bind mount of ${dir} on ${varlib}`);
  await mountPipefs(ctx);
}

export async function mountPipefs(ctx: NfsCtx) {
  if (!kernelFilesystems().has("rpc_pipefs")) return ctx.log.warn("no rpc_pipefs in this kernel (sunrpc not loaded): rpc.idmapd and rpc.gssd cannot run");
  const all = readMounts();
  const pipefs = await kernelPipefs(ctx, all);
  if (topMountAt(all, pipefs)?.fstype === "rpc_pipefs") return;
  // below /var/lib/nfs, i.e. on the shared disk once it is bound
  await onDisk(ctx).makeDirs([pipefs]);
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

/**
 * Unmount our rpc_pipefs and the bind so no mount holds the data filesystem (a leftover bind
 * keeps a DRBD device open: demote fails). Mounts that were there before ours are left alone.
 */
export async function unbindInfodir(ctx: NfsCtx, dir: string): Promise<string | undefined> {
  const all = readMounts();
  const varlib = await varlibPath(ctx, all);
  const dev = await infodirDev(ctx, dir, varlib, all);
  let last = "";
  await ctx.deadline.until(async () => {
    const left = boundMounts(readMounts(), varlib, dev);
    if (!left.length) return true;
    const argv = ["umount", "-c", left[0].mountpoint];
    const r = await run(argv, { timeoutMs: ctx.deadline.cap(10_000) });
    if (r.code !== 0) last = describe(argv, r);
    return undefined;
  }, 200);
  const left = boundMounts(readMounts(), varlib, dev);
  return left.length ? `${left.map((m) => m.mountpoint).join(", ")} still mounted at the stop deadline${last ? ` (${last})` : ""}` : undefined;
}
