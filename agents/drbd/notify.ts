import { facts } from "../../src/drbd/facts";
import { OCF } from "../../src/ocf/codes";
import { drbdadm, readState, stateOpts, type DrbdCtx } from "./common";
import { rescore } from "./score";
import { maybeOutdateSelf } from "./stop";

/**
 * Notifications (linbit's uses): a start anywhere → adjust, so a node that gave up on its peer
 * reconnects (unless connect_only_after_promote); after anything → rescore, and with
 * stop_outdates_secondary outdate ourselves while the peer's disk is unknown and Pacemaker has
 * another node Promoted. Always 0: a failed notification would only make Pacemaker recover a
 * resource that is fine; problems are logged and the next monitor reports them.
 */
export async function notify(ctx: DrbdCtx): Promise<number> {
  const n = ctx.notify;
  if (!n) {
    ctx.log.debug("notify without a type or operation: nothing to do");
    return OCF.SUCCESS;
  }
  let seen = await readState(ctx, "exact");
  if (!seen.r) return OCF.SUCCESS;
  if (n.operation === "start" && !ctx.params.connect_only_after_promote) {
    const c = await drbdadm(ctx, ["adjust", ctx.params.drbd_resource]);
    if (!c.ok) ctx.log.warn(`adjust after the ${n.type}-start notification failed: ${c.text}`);
  }
  if (n.type === "post") {
    if (n.operation === "start") seen = await readState(ctx, "exact");
    await rescore(ctx, seen);
    const f = seen.r && facts(seen.r, stateOpts(ctx).diskConfigured);
    if (f?.pdskAnyUnknown) await maybeOutdateSelf(ctx, f.primary);
  }
  return OCF.SUCCESS;
}
