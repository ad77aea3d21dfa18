import { OCF, fail } from "../../../src/ocf/codes";
import { onDisk } from "../../../src/ocf/paths";
import { canonicalDirs, dirsOf, fsidOf, requireDirs } from "../common";
import type { ExCtx } from "../params";
import { writeState } from "../state";
import { exportedOf, exportfs, specOf } from "./exportfs";
import { restoreRmtab } from "./rmtab";
import { kernelValidate } from "./validate";

export async function kernelStart(ctx: ExCtx): Promise<number> {
  kernelValidate(ctx);
  await requireDirs(ctx);
  // exportfs and mountd compare paths as strings with what the kernel reports: give them the real one
  const real = await canonicalDirs(ctx);
  const disk = onDisk(ctx);
  await restoreRmtab(ctx, onDisk(ctx, ctx.deadline.remaining() / 4), dirsOf(ctx), real);
  for (const [i, d] of real.entries()) {
    const fsid = fsidOf(ctx, i);
    const opts = [ctx.params.options, fsid ? `fsid=${fsid}` : ""].filter(Boolean).join(",");
    await exportfs(ctx, ["-i", ...(opts ? ["-o", opts] : []), specOf(ctx.params.clientspec, d)], `export of ${d}`);
    if (!(await exportedOf(ctx, disk, [d])).length) fail(OCF.ERR_GENERIC, `exportfs returned 0 but ${d} for ${ctx.params.clientspec} is not in /var/lib/nfs/etab`);
  }
  writeState(ctx, real);
  ctx.log.info(`exported ${real.join(" ")} to ${ctx.params.clientspec}`);
  return OCF.SUCCESS;
}
