import { nfsdThreads } from "../../../src/nfs/server";
import { OCF, fail } from "../../../src/ocf/codes";
import type { NfsCtx } from "../params";
import { mountRegistered, nfsAnswers } from "../probe";
import { missingHelpers } from "./daemons";
import { infodirBound } from "./infodir";

/** /proc/fs/nfsd/threads, mountinfo, /proc for the helpers, RPC NULL: no fork, no systemctl, no rpcinfo. */
export async function kernelMonitor(ctx: NfsCtx): Promise<number> {
  const info = ctx.params.nfs_shared_infodir;
  const bound = !!info && (await infodirBound(ctx, info));
  if (nfsdThreads() === 0) {
    if (bound) fail(OCF.ERR_GENERIC, "nfsd has no threads although /var/lib/nfs is bound to the shared info dir (crashed or stopped behind our back)");
    return OCF.NOT_RUNNING;
  }
  if (info && !bound) fail(OCF.ERR_GENERIC, `nfsd runs but /var/lib/nfs is not ${info}: client state would not follow a failover`);
  const missing = missingHelpers(ctx);
  if (missing.length) fail(OCF.ERR_GENERIC, `${missing.join(", ")} not running`);
  const why = await nfsAnswers(ctx);
  if (why) fail(OCF.ERR_GENERIC, `nfsd does not answer: ${why}`);
  const v3 = ctx.params.nfsv4_only ? undefined : await mountRegistered(ctx);
  if (v3) fail(OCF.ERR_GENERIC, v3);
  return OCF.SUCCESS;
}
