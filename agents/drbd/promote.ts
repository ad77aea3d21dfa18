import { promoteStep } from "../../src/drbd/policy";
import { OCF, fail } from "../../src/ocf/codes";
import { drbdadm, pause, readState, stateOpts, summary, type DrbdCtx } from "./common";
import { rescore } from "./score";
import { checkClone } from "./validate";

/** drbdsetup's SS_NO_UP_TO_DATE_DISK: no UpToDate data here, or Consistent and the peer could not be fenced */
const NO_UP_TO_DATE_DISK = 17;

/**
 * `drbdadm primary`, retried (1 s apart, within the timeout) only while a retry can help: a Primary
 * peer that DRBD may not yet know is gone. A disk DRBD would refuse, or its refusal 17, fails at once
 * and the score is recomputed (which removes it), so Pacemaker does not try again here.
 */
export async function promote(ctx: DrbdCtx): Promise<number> {
  const res = ctx.params.drbd_resource;
  const seen0 = await readState(ctx, "exact");
  await checkClone(ctx, seen0.family);
  const allowTwo = (ctx.meta.promoted_max ?? 1) > 1;
  let last = "";
  for (let round = 0, failed = false; ; round++) {
    const first = round === 0;
    if ((failed || round > 3) && !(await pause(ctx))) return fail(OCF.ERR_GENERIC, `${res} not promoted before the timeout: ${last}`);
    failed = false;
    const seen = first ? seen0 : await readState(ctx, "exact");
    const step = promoteStep(seen.r, { ...stateOpts(ctx), allowTwoPrimaries: allowTwo, firstTry: first, failEarlyIfPeerPrimary: ctx.params.fail_promote_early_if_peer_primary });
    if (step.kind === "done") break;
    if (step.kind === "refuse") {
      await rescore(ctx, seen);
      return fail(OCF.ERR_GENERIC, `refusing to promote ${res}: ${step.reason}`);
    }
    if (step.kind === "wait") {
      last = step.reason;
      failed = true;
      ctx.log.info(`${res}: ${step.reason}; retrying`);
      continue;
    }
    const c = await drbdadm(ctx, ["primary", res]);
    if (c.r.code === NO_UP_TO_DATE_DISK) {
      await rescore(ctx, await readState(ctx, "exact"));
      return fail(OCF.ERR_GENERIC, `refusing to be promoted without access to UpToDate data: ${c.text}`);
    }
    if (!c.ok) {
      last = c.text;
      failed = true;
    }
  }
  if (ctx.params.connect_only_after_promote) {
    const c = await drbdadm(ctx, ["adjust", res]);
    if (!c.ok) ctx.log.warn(`promoted, but not connected: ${c.text}`);
  }
  const seen = await readState(ctx, "exact");
  await rescore(ctx, seen);
  ctx.log.info(`${res} promoted: ${summary(seen.r)}`);
  return OCF.SUCCESS;
}

/** `drbdadm secondary` until Secondary (it fails while the device is open, e.g. still mounted), within the timeout. */
export async function demote(ctx: DrbdCtx): Promise<number> {
  const res = ctx.params.drbd_resource;
  let last = "";
  for (let round = 0, failed = false; ; round++) {
    if ((failed || round > 3) && !(await pause(ctx))) return fail(OCF.ERR_GENERIC, `${res} still Primary at the demote timeout: ${last}`);
    failed = false;
    const seen = await readState(ctx, "exact");
    if (!seen.r) return fail(OCF.ERR_GENERIC, `cannot demote ${res}: it is not running`);
    if (seen.r.role !== "Primary") {
      await rescore(ctx, seen);
      return OCF.SUCCESS;
    }
    const c = await drbdadm(ctx, ["secondary", res]);
    if (!c.ok) {
      last = c.text;
      failed = true;
    }
  }
}
