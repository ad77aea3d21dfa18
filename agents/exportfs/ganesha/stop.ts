import { existsSync, rmSync } from "node:fs";
import { rebuildExports, reloadExports } from "../../../src/nfs/ganesha";
import { OCF, fail } from "../../../src/ocf/codes";
import type { ExCtx } from "../params";
import { leaseWait, removeState } from "../state";
import { fileOf, locked, lookup, pathsOf, pseudosOf } from "./common";

/** Our block out of exports.d, ganesha reloaded, and the export gone from its answers. */
export async function ganeshaStop(ctx: ExCtx): Promise<number> {
  const paths = pathsOf(ctx);
  if (existsSync(fileOf(ctx))) {
    const running = await locked(ctx, () => {
      rmSync(fileOf(ctx), { force: true });
      rebuildExports(paths);
      return reloadExports(paths);
    });
    if (running) {
      for (const p of pseudosOf(ctx)) {
        const gone = await ctx.deadline.until(async () => ((await lookup(ctx, p, 1000)) === "visible" ? undefined : true), 100);
        if (!gone) fail(OCF.ERR_GENERIC, `ganesha still exports ${p} after reloading its exports`);
      }
      await leaseWait(ctx, paths.conf);
    }
  }
  removeState(ctx);
  return OCF.SUCCESS;
}
