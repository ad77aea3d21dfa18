import { OcfError, OCF, fail } from "../../../src/ocf/codes";
import { NFSD } from "../../../src/nfs/server";
import { kernelPath, onDisk } from "../../../src/ocf/paths";
import { existsSync } from "node:fs";
import { readMounts } from "../../../src/os/mountinfo";
import { dirsOf } from "../common";
import type { ExCtx } from "../params";
import { leaseWait, readState, removeState } from "../state";
import { kernelExportPaths } from "./etab";
import { exportedOf, exportfs, specOf } from "./exportfs";
import { backupRmtab } from "./rmtab";

/**
 * Every name the export of `dir` may be known by: as configured, as start recorded it, and as the
 * kernel resolves it now (a lookup that cannot finish is skipped: the other two still count).
 */
export function exportNames(dir: string, recorded: string | undefined, now: string | undefined): string[] {
  return [dir, recorded, now].filter((x, i, l): x is string => !!x && l.indexOf(x) === i);
}

/** Paths of the kernel's export cache that belong to one of `names`. */
export const heldPaths = (cache: string[], names: string[]) => cache.filter((p) => names.includes(p));

/**
 * Unexport under every name, then wait until the kernel's cache lets go of the filesystem. The
 * exported directories may be on a disk that hangs: each look at them (the canonical path, the
 * rmtab backup, unlock_filesystem's path lookup) gets a bounded share of the time and may fail
 * with a warning; what stop must do (exportfs -u, the cache flush) keeps the rest.
 */
export async function kernelStop(ctx: ExCtx): Promise<number> {
  const dirs = dirsOf(ctx);
  const state = readState(ctx);
  const all = readMounts();
  const share = () => ctx.deadline.remaining() / 4;
  const names: string[][] = [];
  for (const d of dirs) {
    const now = await kernelPath(ctx, d, all, share()).catch((e: Error) => void ctx.log.warn(`${e.message}; unexporting ${d} under the names known without it`));
    names.push(exportNames(d, state?.get(d), now ?? undefined));
  }
  const disk = onDisk(ctx);
  for (const [i, d] of dirs.entries()) {
    for (const n of await exportedOf(ctx, disk, names[i])) await exportfs(ctx, ["-u", specOf(ctx.params.clientspec, n)], `unexport of ${n}`);
    const left = await exportedOf(ctx, disk, names[i]);
    if (left.length) fail(OCF.ERR_GENERIC, `${left.join(", ")} still in /var/lib/nfs/etab after exportfs -u`);
    if (ctx.params.unlock_on_stop && existsSync(`${NFSD}/unlock_filesystem`)) {
      const real = names[i][names[i].length - 1];
      // the kernel looks the path up: on a hung disk that write hangs too
      await onDisk(ctx, share())
        .writeFileText(`${NFSD}/unlock_filesystem`, real)
        .catch((e) => (e instanceof OcfError ? ctx.log.warn(`unlock of ${d} failed: ${e.message}`) : Promise.reject(e)));
    }
  }
  await backupRmtab(ctx, onDisk(ctx, share()), dirs, names.map((n) => n[n.length - 1]));
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
