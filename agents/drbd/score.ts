import { promotedNodesOfPrimitive } from "../../src/cib/resources";
import { crmMon } from "../../src/cib/tools";
import { facts } from "../../src/drbd/facts";
import { allUpToDate, parseTiers, promotionScore, DEFAULT_TIERS, type ScoreDecision, type ScoreParams } from "../../src/drbd/policy";
import { readRecord, stateOpts, toolEnv, updateRecord, type DrbdCtx, type Seen } from "./common";

export function scoreParams(ctx: DrbdCtx): ScoreParams {
  const v = ctx.params.remove_master_score_if_peer_primary.toLowerCase();
  return {
    tiers: parseTiers(ctx.params.adjust_master_score) ?? DEFAULT_TIERS,
    removeIfPeerPrimary: v === "unexpected" ? "unexpected" : /^(true|yes|on|1)$/.test(v),
    promotedMax: ctx.meta.promoted_max ?? 1,
  };
}

/**
 * Bring this node's promotion score in line with the state (linbit's table, policy.ts). Writes only on
 * change (ctx.promotion reads once, then compares); every call bounded by the deadline; a cluster that
 * does not answer is a warning, never the action's failure. With remove_master_score_if_peer_primary
 * =unexpected, crm_mon is asked only in the one situation where its answer matters.
 */
export async function rescore(ctx: DrbdCtx, seen: Seen): Promise<ScoreDecision> {
  const p = scoreParams(ctx);
  const opts = stateOpts(ctx);
  if (p.removeIfPeerPrimary === "unexpected" && seen.r) {
    const f = facts(seen.r, opts.diskConfigured);
    if (!f.primary && f.somePeerPrimary && f.somePeerAllUpToDate && p.promotedMax === 1) {
      const mon = await crmMon({ env: toolEnv(ctx), deadline: ctx.deadline, log: ctx.log }, ctx.deadline.cap(10_000));
      // no answer from crm_mon: do not take the score away on a guess
      p.pacemakerHasPromoted = mon ? promotedNodesOfPrimitive(mon, ctx.instance).length > 0 : true;
    }
  }
  const d = promotionScore(seen.r, p, opts);
  if (d.kind === "set") await ctx.promotion.set(d.score);
  else if (d.kind === "clear") await ctx.promotion.clear();
  ctx.log.debug(`promotion score: ${d.kind === "set" ? d.score : d.kind} (${d.why})`);
  if (ctx.params.unfence_if_all_uptodate) await maybeUnfence(ctx, seen);
  return d;
}

/**
 * unfence_if_all_uptodate: a Primary whose every disk (and the peer's) is UpToDate removes the fence
 * constraint, once per period of being all UpToDate (the record remembers), not on every monitor.
 * Runs the unfence handler's code in this process, bounded by the action's deadline.
 */
async function maybeUnfence(ctx: DrbdCtx, seen: Seen) {
  const all = !!seen.r && seen.r.role === "Primary" && allUpToDate(seen.r, stateOpts(ctx));
  const rec = readRecord(ctx);
  if (!all) {
    if (rec?.unfenced) updateRecord(ctx, { unfenced: false });
    return;
  }
  if (rec?.unfenced || !seen.family) return;
  const { unfenceNow } = await import("./unfence");
  const ok = await unfenceNow(ctx, seen.family, rec?.minors ?? []);
  if (ok) updateRecord(ctx, { unfenced: true });
}
