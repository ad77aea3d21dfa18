import { hostname } from "node:os";
import { OCF, fail } from "../../src/ocf/codes";
import type { InvalidStopCtx } from "../../src/ocf/declare";
import { notifyLists } from "../../src/ocf/notify";
import { drbdadm, drbdsetup, pause, readState, removeRecord, summary, type DrbdBase, type DrbdCtx } from "./common";
import type { DrbdParams } from "./params";

/**
 * Until the kernel no longer knows the resource: demote if Primary, then down. drbdadm first (it
 * runs the configuration's hooks); when it fails (a broken configuration), drbdsetup by name in the
 * same round. Only a resource gone from the kernel (events2) is stopped: a Primary left behind while
 * stop reports success would let the peer become Primary too.
 */
async function takeDown(ctx: DrbdBase, useConfig: boolean) {
  const res = ctx.params.drbd_resource;
  let last = "";
  for (let round = 0, failed = false; ; round++) {
    if ((failed || round > 4) && !(await pause(ctx))) return fail(OCF.ERR_GENERIC, `${res} is still configured in the kernel at the stop timeout: ${last}`);
    failed = false;
    const seen = await readState(ctx, "exact");
    if (!seen.r) return;
    const verb = seen.r.role === "Primary" ? "secondary" : "down";
    ctx.log.info(`${res}: ${summary(seen.r)}; ${verb}`);
    const a = useConfig ? await drbdadm(ctx, [verb, res]) : undefined;
    if (a?.ok) continue;
    const s = await drbdsetup(ctx, [verb, res]);
    if (!s.ok) {
      last = a ? `${a.text}; ${s.text}` : s.text;
      failed = true;
    }
  }
}

/**
 * stop_outdates_secondary: after stop (and in post notifications while the peer's disk is unknown), if
 * Pacemaker says another node is Promoted and is not being stopped, mark our data Outdated so it is not
 * promoted by mistake later. Never on a Primary: two Primaries without a link is a split brain to report.
 */
export async function maybeOutdateSelf(ctx: DrbdCtx, primary: boolean): Promise<boolean> {
  if (!ctx.params.stop_outdates_secondary) return false;
  const lists = notifyLists(ctx.env);
  const me = ctx.meta.on_node ?? hostname();
  const host = lists.promoted.uname.find((n) => n !== me);
  if (!host || lists.stop.uname.includes(host)) return false;
  const res = ctx.params.drbd_resource;
  if (primary) {
    ctx.log.crit(`split brain of ${res}: ${me} and ${host} are both Primary and the replication link is down`);
    return false;
  }
  ctx.log.warn(`outdating ${res}: Pacemaker has ${host} Promoted while this node cannot reach it`);
  const c = await drbdadm(ctx, ["outdate", res]);
  await ctx.promotion.clear();
  return c.ok;
}

export async function stop(ctx: DrbdCtx): Promise<number> {
  await takeDown(ctx, true);
  await maybeOutdateSelf(ctx, false);
  // a stale score would make Pacemaker try to promote this node as soon as it starts again
  await ctx.promotion.clear();
  removeRecord(ctx);
  return OCF.SUCCESS;
}

/**
 * Stop with parameters that do not parse. With a valid resource name the resource is taken down by
 * name (drbdsetup, no configuration needed) and only then is the stop a success; without one nothing
 * can be checked, so the stop fails with the parameter error (Pacemaker then fences, which is right
 * when a Primary might be left behind).
 */
export async function stopWithInvalidParams(ctx: InvalidStopCtx<DrbdParams>): Promise<number> {
  const res = ctx.params.drbd_resource;
  if (!res) throw ctx.invalid;
  ctx.log.err(`stop with invalid parameters (${ctx.invalid.message}): taking ${res} down by name with drbdsetup`);
  await takeDown(ctx as DrbdBase, false);
  await ctx.promotion.clear();
  removeRecord(ctx as DrbdBase);
  ctx.log.warn(`${res} is down; fix the parameters before starting it again`);
  return OCF.SUCCESS;
}
