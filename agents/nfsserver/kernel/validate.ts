import { OCF, fail } from "../../../src/ocf/codes";
import { which } from "../../../src/os/files";
import type { NfsCtx } from "../params";
import { present } from "./daemons";
import { systemdRuns } from "./paths";

/** The programs the kernel backend runs are installed (nfs-kernel-server, rpcbind). */
export function kernelValidate(ctx: NfsCtx): number {
  const need = systemdRuns() ? ["systemctl", "rpc.nfsd"] : ["rpc.nfsd", ...present(ctx).map((d) => d.argv[0]), ...(ctx.params.nfsv4_only ? [] : ["rpcbind"])];
  const missing = need.filter((p) => !which(p));
  if (missing.length) fail(OCF.ERR_INSTALLED, `${missing.join(", ")} not installed (packages nfs-kernel-server, rpcbind)`);
  return OCF.SUCCESS;
}
