import { OCF, fail } from "../../../src/ocf/codes";
import type { NfsCtx } from "../common";

export function kernelStart(_ctx: NfsCtx): number {
  return fail(OCF.ERR_UNIMPLEMENTED, "kernel backend: not yet");
}
