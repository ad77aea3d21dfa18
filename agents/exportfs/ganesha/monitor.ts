import { existsSync } from "node:fs";
import { ganeshaPid } from "../../../src/nfs/ganesha";
import { OCF, fail } from "../../../src/ocf/codes";
import type { ExCtx } from "../params";
import { readState } from "../state";
import { fileOf, lookup, pathsOf, pseudosOf } from "./common";

/** This boot's state and our block in exports.d (node-local), then the export looked up through NFSv4: no fork. */
export async function ganeshaMonitor(ctx: ExCtx): Promise<number> {
  if (readState(ctx) === undefined || !existsSync(fileOf(ctx))) return OCF.NOT_RUNNING;
  if (ganeshaPid(pathsOf(ctx)) === undefined) fail(OCF.ERR_GENERIC, "ganesha is not running: the export is not served");
  for (const p of pseudosOf(ctx)) {
    const r = await lookup(ctx, p, ctx.params.monitor_rpc_timeout * 1000);
    if (r === "absent") fail(OCF.ERR_GENERIC, `ganesha does not export ${p} (NFS4ERR_NOENT)`);
    if (r !== "visible") fail(OCF.ERR_GENERIC, `cannot look up ${p} over NFSv4: ${r}`);
  }
  return OCF.SUCCESS;
}
