import { ganeshaPid } from "../../../src/nfs/ganesha";
import { OCF, fail } from "../../../src/ocf/codes";
import { removeFile } from "../../../src/os/files";
import { alive, signal, stateText } from "../../../src/os/procs";
import type { NfsCtx } from "../params";
import { pathsOf } from "./paths";

/**
 * SIGTERM (ganesha shuts down in ~20 ms), SIGKILL after half the remaining time. A stopped
 * (SIGSTOPped) ganesha cannot act on TERM, so it gets CONT too. Recovery records stay on the
 * shared disk: they are what lets the next node grant reclaims.
 */
export async function ganeshaStop(ctx: NfsCtx): Promise<number> {
  const paths = pathsOf(ctx);
  const pid = ganeshaPid(paths);
  if (pid === undefined) {
    removeFile(paths.pidFile);
    return OCF.SUCCESS;
  }
  signal(pid, "SIGTERM");
  signal(pid, "SIGCONT");
  const gone = () => (alive(pid) ? undefined : true);
  if (!(await ctx.deadline.until(gone, 20, ctx.deadline.remaining() / 2))) {
    ctx.log.warn(`ganesha (pid ${pid}, ${stateText(pid)}) ignored SIGTERM; sending SIGKILL`);
    signal(pid, "SIGKILL");
    if (!(await ctx.deadline.until(gone, 20))) fail(OCF.ERR_GENERIC, `ganesha (pid ${pid}, ${stateText(pid)}) survived SIGKILL until the stop deadline`);
  }
  removeFile(paths.pidFile);
  ctx.log.info(`ganesha (pid ${pid}) stopped`);
  return OCF.SUCCESS;
}
