import { accessSync, constants, existsSync, readFileSync, writeFileSync } from "node:fs";
import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { kernelPath } from "../../src/ocf/paths";
import { readMounts } from "../../src/os/mountinfo";
import { canonicalDirs, dirsOf, fsidOf, type ExCtx } from "./common";
import { kernelExportPaths, readEtab } from "./etab";
import { backupRmtab, restoreRmtab } from "./rmtab";
import { leaseWait, readState, removeState, writeState } from "./state";

const NFSD = "/proc/fs/nfsd";
const BIN_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/** exportfs's client:path argument (IPv6 addresses in brackets). */
export const specOf = (client: string, dir: string) => `${client.includes(":") && !client.startsWith("[") ? `[${client}]` : client}:${dir}`;
const exported = (ctx: ExCtx, dir: string) => readEtab().some((e) => e.dir === dir && e.client === ctx.params.clientspec);

export function kernelValidate(_ctx: ExCtx) {
  const found = BIN_DIRS.some((d) => {
    try {
      accessSync(`${d}/exportfs`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) fail(OCF.ERR_INSTALLED, "exportfs is not installed (package nfs-kernel-server)");
}

async function exportfs(ctx: ExCtx, args: string[], what: string) {
  const argv = ["exportfs", ...args];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(15_000) });
  if (r.code !== 0) fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `${what} failed: ${describe(argv, r)}`);
}

export async function kernelStart(ctx: ExCtx): Promise<number> {
  kernelValidate(ctx);
  const dirs = dirsOf(ctx);
  for (const d of dirs) if (!existsSync(d)) fail(OCF.ERR_GENERIC, `${d} does not exist here (is its filesystem mounted?)`);
  // exportfs and mountd compare paths as strings with what the kernel reports: give them the real one
  const real = await canonicalDirs(ctx);
  restoreRmtab(ctx, dirs, real);
  for (const [i, d] of real.entries()) {
    const fsid = fsidOf(ctx, i);
    const opts = [ctx.params.options, fsid ? `fsid=${fsid}` : ""].filter(Boolean).join(",");
    await exportfs(ctx, ["-i", ...(opts ? ["-o", opts] : []), specOf(ctx.params.clientspec, d)], `export of ${d}`);
    if (!exported(ctx, d)) fail(OCF.ERR_GENERIC, `exportfs returned 0 but ${d} for ${ctx.params.clientspec} is not in /var/lib/nfs/etab`);
  }
  writeState(ctx, real);
  ctx.log.info(`exported ${real.join(" ")} to ${ctx.params.clientspec}`);
  return OCF.SUCCESS;
}

/** State file of this boot + etab line (under the path start exported) + nfsd threads: etab alone survives reboots (RA#821). */
export function kernelMonitor(ctx: ExCtx, state: Map<string, string> | undefined): number {
  if (!state) return OCF.NOT_RUNNING;
  for (const d of dirsOf(ctx)) {
    const real = state.get(d) ?? d;
    if (!exported(ctx, real)) fail(OCF.ERR_GENERIC, `${real} is no longer exported to ${ctx.params.clientspec} (not in /var/lib/nfs/etab)`);
  }
  let threads = 0;
  try {
    threads = Number(readFileSync(`${NFSD}/threads`, "utf8").trim());
  } catch {
    /* no nfsd */
  }
  if (!(threads > 0)) fail(OCF.ERR_GENERIC, "nfsd has no threads: the export is not served");
  return OCF.SUCCESS;
}

/**
 * Every name the export of `dir` may be known by: as configured, as start recorded it, and as the
 * kernel resolves it now (a lookup that cannot finish is skipped: the other two still count).
 */
export function exportNames(dir: string, recorded: string | undefined, now: string | undefined): string[] {
  return [dir, recorded, now].filter((x, i, l): x is string => !!x && l.indexOf(x) === i);
}

/** Paths of the kernel's export cache that belong to one of `names`. */
export const heldPaths = (cache: string[], names: string[]) => cache.filter((p) => names.includes(p));

export async function kernelStop(ctx: ExCtx): Promise<number> {
  const dirs = dirsOf(ctx);
  const state = readState(ctx);
  const all = readMounts();
  const names: string[][] = [];
  for (const d of dirs) {
    const now = await kernelPath(ctx, d, all).catch((e: Error) => void ctx.log.warn(`${e.message}; unexporting ${d} under the names known without it`));
    names.push(exportNames(d, state?.get(d), now ?? undefined));
  }
  for (const [i, d] of dirs.entries()) {
    for (const n of names[i]) if (exported(ctx, n)) await exportfs(ctx, ["-u", specOf(ctx.params.clientspec, n)], `unexport of ${n}`);
    const left = names[i].filter((n) => exported(ctx, n));
    if (left.length) fail(OCF.ERR_GENERIC, `${left.join(", ")} still in /var/lib/nfs/etab after exportfs -u`);
    const real = names[i][names[i].length - 1];
    if (ctx.params.unlock_on_stop && existsSync(`${NFSD}/unlock_filesystem`)) {
      try {
        writeFileSync(`${NFSD}/unlock_filesystem`, real);
      } catch (e) {
        ctx.log.warn(`unlock of ${d} failed: ${(e as Error).message}`);
      }
    }
  }
  backupRmtab(ctx, dirs, names.map((n) => n[n.length - 1]));
  await leaseWait(ctx);
  // The kernel keeps using an export until its cache entry goes; until then the fs stays busy.
  const every = names.flat();
  const held = () => heldPaths(kernelExportPaths(), every);
  if (held().length) {
    await exportfs(ctx, ["-f"], "flush of the kernel export cache");
    if (!(await ctx.deadline.until(() => (held().length ? undefined : true), 100)))
      fail(OCF.ERR_GENERIC, `the kernel still holds ${held().join(" ")} in its export cache at the stop deadline`);
  }
  removeState(ctx);
  return OCF.SUCCESS;
}
