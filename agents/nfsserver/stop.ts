import type { NfsCtx } from "./common";
import { ganeshaStop } from "./ganesha/stop";
import { kernelStop } from "./kernel/stop";

/** Stop does not re-check cross-parameter rules: it must clean up whatever the parameters say. */
export async function stop(ctx: NfsCtx): Promise<number> {
  return ctx.params.server === "ganesha" ? ganeshaStop(ctx) : kernelStop(ctx);
}
