import { OCF, fail } from "../../../src/ocf/codes";
import type { NfsCtx } from "../common";
import { nfsAnswers } from "../probe";
import { pathsOf } from "./paths";
import { ganeshaPid, stateText } from "./process";

/** Pid file + /proc, then RPC NULL: no fork. */
export async function ganeshaMonitor(ctx: NfsCtx): Promise<number> {
  const pid = ganeshaPid(pathsOf(ctx));
  if (pid === undefined) return OCF.NOT_RUNNING;
  const why = await nfsAnswers(ctx);
  if (why) fail(OCF.ERR_GENERIC, `ganesha (pid ${pid}, ${stateText(pid)}) does not answer: ${why}`);
  return OCF.SUCCESS;
}
