import { Deadline } from "../../src/ocf/deadline";
import { parseHandlerArgs } from "../../src/drbd/handler-args";
import { runHandler } from "../../src/drbd/handler-run";
import { toolEnv, type DrbdCtx } from "./common";

/**
 * The unfence handler's run (src/drbd/handler-run.ts) for unfence_if_all_uptodate, with
 * unfence_extra_args as its options and at most half of what is left of the action's time.
 */
export async function unfenceNow(ctx: DrbdCtx, family: "8.4" | "9", minors: number[]): Promise<boolean> {
  let args;
  try {
    args = parseHandlerArgs(ctx.params.unfence_extra_args.split(/\s+/).filter(Boolean));
  } catch (e) {
    ctx.log.warn(`unfence_extra_args: ${(e as Error).message}`);
    return false;
  }
  const ms = Math.floor(ctx.deadline.remaining() / 2);
  args.timeoutS = Math.max(1, Math.floor(ms / 1000));
  args.lockTimeoutS = Math.min(args.lockTimeoutS, args.timeoutS);
  const code = await runHandler(
    {
      mode: "unfence",
      env: { family, resource: ctx.params.drbd_resource, peers: [], upToDatePeers: [], minors, conf: ctx.params.drbdconf },
      args,
      tools: toolEnv(ctx),
      me: ctx.meta.on_node,
    },
    { deadline: Deadline.within(ms), log: ctx.log },
  );
  return code === 0;
}
