import { checkParams, type NfsCtx } from "./common";
import { ganeshaStart } from "./ganesha/start";
import { kernelStart } from "./kernel/start";

export async function start(ctx: NfsCtx): Promise<number> {
  checkParams(ctx);
  return ctx.params.server === "ganesha" ? ganeshaStart(ctx) : kernelStart(ctx);
}
