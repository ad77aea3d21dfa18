import { checkParams, type NfsCtx } from "./common";
import { ganeshaMonitor } from "./ganesha/monitor";
import { kernelMonitor } from "./kernel/monitor";

/** Reads /proc and sends RPC calls; forks nothing. */
export async function monitor(ctx: NfsCtx): Promise<number> {
  checkParams(ctx);
  return ctx.params.server === "ganesha" ? ganeshaMonitor(ctx) : kernelMonitor(ctx);
}
