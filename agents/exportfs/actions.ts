import { OCF } from "../../src/ocf/codes";
import { type ExCtx } from "./common";
import { ganeshaMonitor, ganeshaStart, ganeshaStop } from "./ganesha";
import { kernelMonitor, kernelStart, kernelStop, kernelValidate } from "./kernel";
import { readState } from "./state";

const ganesha = (ctx: ExCtx) => ctx.params.server === "ganesha";

export const start = (ctx: ExCtx) => (ganesha(ctx) ? ganeshaStart(ctx) : kernelStart(ctx));
export const stop = (ctx: ExCtx) => (ganesha(ctx) ? ganeshaStop(ctx) : kernelStop(ctx));
export const monitor = (ctx: ExCtx) => (ganesha(ctx) ? ganeshaMonitor(ctx, readState(ctx) !== undefined) : kernelMonitor(ctx, readState(ctx)));

export function validateAll(ctx: ExCtx): number {
  if (!ganesha(ctx)) kernelValidate(ctx);
  return OCF.SUCCESS;
}
