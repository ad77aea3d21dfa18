import { OCF, fail } from "../../../src/ocf/codes";
import { which } from "../../../src/os/files";
import type { ExCtx } from "../params";

/** exportfs is installed. `root` (tests): look below it instead of / */
export function kernelValidate(_ctx: ExCtx, root = ""): number {
  if (!which("exportfs", root)) fail(OCF.ERR_INSTALLED, "exportfs is not installed (package nfs-kernel-server)");
  return OCF.SUCCESS;
}
