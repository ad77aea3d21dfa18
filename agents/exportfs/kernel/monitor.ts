import { nfsdThreads } from "../../../src/nfs/server";
import { OCF, fail } from "../../../src/ocf/codes";
import { onDisk } from "../../../src/ocf/paths";
import { dirsOf } from "../common";
import type { ExCtx } from "../params";
import { readState } from "../state";
import { exportedOf } from "./exportfs";

/**
 * State file of this boot + etab line (under the path start exported) + nfsd threads: etab alone
 * survives reboots (RA#821). etab is on the shared info dir: one bounded read.
 */
export async function kernelMonitor(ctx: ExCtx): Promise<number> {
  const state = readState(ctx);
  if (!state) return OCF.NOT_RUNNING;
  const want = dirsOf(ctx).map((d) => state.get(d) ?? d);
  const have = await exportedOf(ctx, onDisk(ctx), want);
  const gone = want.filter((d) => !have.includes(d));
  if (gone.length) fail(OCF.ERR_GENERIC, `${gone.join(", ")} ${gone.length > 1 ? "are" : "is"} no longer exported to ${ctx.params.clientspec} (not in /var/lib/nfs/etab)`);
  if (!(nfsdThreads() > 0)) fail(OCF.ERR_GENERIC, "nfsd has no threads: the export is not served");
  return OCF.SUCCESS;
}
