import { accessSync, constants, existsSync, readFileSync, writeFileSync } from "node:fs";
import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { dirsOf, fsidOf, type ExCtx } from "./common";
import { kernelExportPaths, readEtab } from "./etab";
import { backupRmtab, restoreRmtab } from "./rmtab";
import { leaseWait, removeState, writeState } from "./state";

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
  restoreRmtab(ctx, dirs);
  for (const [i, d] of dirs.entries()) {
    const fsid = fsidOf(ctx, i);
    const opts = [ctx.params.options, fsid ? `fsid=${fsid}` : ""].filter(Boolean).join(",");
    await exportfs(ctx, ["-i", ...(opts ? ["-o", opts] : []), specOf(ctx.params.clientspec, d)], `export of ${d}`);
    if (!exported(ctx, d)) fail(OCF.ERR_GENERIC, `exportfs returned 0 but ${d} for ${ctx.params.clientspec} is not in /var/lib/nfs/etab`);
  }
  writeState(ctx);
  ctx.log.info(`exported ${dirs.join(" ")} to ${ctx.params.clientspec}`);
  return OCF.SUCCESS;
}

/** State file of this boot + etab line + nfsd threads: etab alone survives reboots (RA#821). */
export function kernelMonitor(ctx: ExCtx, haveState: boolean): number {
  if (!haveState) return OCF.NOT_RUNNING;
  for (const d of dirsOf(ctx)) if (!exported(ctx, d)) fail(OCF.ERR_GENERIC, `${d} is no longer exported to ${ctx.params.clientspec} (not in /var/lib/nfs/etab)`);
  let threads = 0;
  try {
    threads = Number(readFileSync(`${NFSD}/threads`, "utf8").trim());
  } catch {
    /* no nfsd */
  }
  if (!(threads > 0)) fail(OCF.ERR_GENERIC, "nfsd has no threads: the export is not served");
  return OCF.SUCCESS;
}

export async function kernelStop(ctx: ExCtx): Promise<number> {
  const dirs = dirsOf(ctx);
  for (const d of dirs) {
    if (exported(ctx, d)) await exportfs(ctx, ["-u", specOf(ctx.params.clientspec, d)], `unexport of ${d}`);
    if (exported(ctx, d)) fail(OCF.ERR_GENERIC, `${d} is still in /var/lib/nfs/etab after exportfs -u`);
    if (ctx.params.unlock_on_stop && existsSync(`${NFSD}/unlock_filesystem`)) {
      try {
        writeFileSync(`${NFSD}/unlock_filesystem`, d);
      } catch (e) {
        ctx.log.warn(`unlock of ${d} failed: ${(e as Error).message}`);
      }
    }
  }
  backupRmtab(ctx, dirs);
  await leaseWait(ctx);
  // The kernel keeps using an export until its cache entry goes; until then the fs stays busy.
  const held = () => kernelExportPaths().filter((p) => dirs.includes(p));
  if (held().length) {
    await exportfs(ctx, ["-f"], "flush of the kernel export cache");
    if (!(await ctx.deadline.until(() => (held().length ? undefined : true), 100)))
      fail(OCF.ERR_GENERIC, `the kernel still holds ${held().join(" ")} in its export cache at the stop deadline`);
  }
  removeState(ctx);
  return OCF.SUCCESS;
}
