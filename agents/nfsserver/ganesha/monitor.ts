import { ganeshaPid } from "../../../src/nfs/ganesha";
import { OCF, fail } from "../../../src/ocf/codes";
import { stateText } from "../../../src/os/procs";
import type { NfsCtx } from "../params";
import { mountRegistered, nfsAnswers } from "../probe";
import { pathsOf } from "./paths";

/** Pid file + /proc, then RPC NULL: no fork. */
export async function ganeshaMonitor(ctx: NfsCtx): Promise<number> {
  const pid = ganeshaPid(pathsOf(ctx));
  if (pid === undefined) return OCF.NOT_RUNNING;
  const why = await nfsAnswers(ctx);
  if (why) fail(OCF.ERR_GENERIC, `ganesha (pid ${pid}, ${stateText(pid)}) does not answer: ${why}`);
  const v3 = ctx.params.nfsv4_only ? undefined : await mountRegistered(ctx);
  if (v3) fail(OCF.ERR_GENERIC, v3);
  return OCF.SUCCESS;
}
