import { monitorResult } from "../../src/drbd/policy";
import { OCF, fail, type OcfCode } from "../../src/ocf/codes";
import { readState, stateOpts, summary, type DrbdCtx } from "./common";
import { rescore } from "./score";

/**
 * 7 down, 0 Secondary, 8 Primary, 1/9 a failed or missing disk, 190/191 running but not redundant
 * (policy.ts monitorResult: disconnected, resyncing, a disk not UpToDate, quorum lost). A probe reads
 * the kernel exactly (events2); a recurring 8.4 monitor reads /proc/drbd only (no fork) once start has
 * recorded the minors. Then the score: one crm_attribute read, a write only when it changes.
 */
export async function monitor(ctx: DrbdCtx): Promise<number> {
  const seen = await readState(ctx, ctx.probe ? "exact" : "fast");
  const m = monitorResult(seen.r, stateOpts(ctx));
  // a probe that finds nothing leaves the score alone (linbit, after Pacemaker's advice): no CIB write per node at cluster start
  if (!(ctx.probe && m.code === OCF.NOT_RUNNING)) await rescore(ctx, seen);
  ctx.log.debug(`${summary(seen.r)} (${seen.source}) → ${m.code}`);
  if (m.code === OCF.SUCCESS || m.code === OCF.RUNNING_PROMOTED || (m.code === OCF.NOT_RUNNING && ctx.probe)) return m.code;
  return fail(m.code as OcfCode, m.reason ?? summary(seen.r));
}
