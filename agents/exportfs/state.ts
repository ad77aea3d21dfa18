import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeAtomic } from "../nfsserver/ganesha/exports";
import { dirsOf, stateFile, type ExCtx } from "./common";

export function writeState(ctx: ExCtx) {
  mkdirSync(dirname(stateFile(ctx)), { recursive: true });
  writeAtomic(stateFile(ctx), dirsOf(ctx).map((d) => `${ctx.params.clientspec} ${d}\n`).join(""));
}

export function haveState(ctx: ExCtx): boolean {
  try {
    readFileSync(stateFile(ctx));
    return true;
  } catch {
    return false;
  }
}

export const removeState = (ctx: ExCtx) => rmSync(stateFile(ctx), { force: true });

/** Let NFSv4 clients' state on the export expire before the filesystem goes (bounded by the deadline). */
export async function leaseWait(ctx: ExCtx, leaseFile = "/proc/fs/nfsd/nfsv4leasetime") {
  if (!ctx.params.wait_for_leasetime_on_stop) return;
  let lease = 90;
  try {
    const m = /(?:^|Lease_Lifetime\s*=\s*)(\d+)/.exec(readFileSync(leaseFile, "utf8").trim());
    lease = Number(m?.[1]) || 90;
  } catch {
    /* not readable: the NFSv4 default */
  }
  const ms = Math.min(lease * 1000, ctx.deadline.remaining() - 2000);
  ctx.log.info(`waiting ${Math.round(ms / 1000)} s for NFSv4 leases on the export to expire`);
  if (ms > 0) await ctx.deadline.sleep(ms);
}
