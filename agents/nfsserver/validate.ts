import { checkParams, type NfsCtx } from "./common";
import { ganeshaValidate } from "./ganesha/validate";
import { kernelValidate } from "./kernel/validate";

export function validateAll(ctx: NfsCtx): number {
  checkParams(ctx);
  return ctx.params.server === "ganesha" ? ganeshaValidate(ctx) : kernelValidate(ctx);
}
