import { join } from "node:path";
import { withExportsLock } from "../../../src/nfs/exports-lock";
import { ganeshaPaths } from "../../../src/nfs/ganesha";
import { PROBE_HOST } from "../../../src/nfs/server";
import { OCF, fail } from "../../../src/ocf/codes";
import { crypto } from "../../../src/os/lazy";
import { NFS4ERR_ACCESS, NFS4ERR_NOENT, NFS4ERR_PERM, NFS4ERR_WRONGSEC, NFS4_OK, nfs4Compound, rootProbeOps } from "../../../src/rpc/index";
import { dirsOf, fsidOf, safeName } from "../common";
import type { ExCtx } from "../params";

export const pathsOf = (ctx: ExCtx) => ganeshaPaths(ctx.params.ganesha_run_dir);
/** This resource's EXPORT blocks: one file in exports.d */
export const fileOf = (ctx: ExCtx) => join(pathsOf(ctx).exportsDir, `${safeName(ctx.instance)}.conf`);
export const pseudosOf = (ctx: ExCtx) => (ctx.params.pseudo ? [ctx.params.pseudo] : dirsOf(ctx));

/** Change exports.d under the lock shared with other exportfs and nfsserver agents. */
export const locked = <T>(ctx: ExCtx, fn: () => T): Promise<T> => withExportsLock(pathsOf(ctx), ctx.deadline, fn).catch((e) => fail(OCF.ERR_GENERIC, (e as Error).message));

/** ganesha Export_Id (1..65535, 0 is the pseudo root): the numeric fsid, else stable from the path. */
export function exportIdOf(ctx: ExCtx, i: number): number {
  const f = fsidOf(ctx, i);
  if (f && /^\d+$/.test(f)) {
    const n = Number(f);
    if (n < 1 || n > 65535) fail(OCF.ERR_CONFIGURED, `fsid ${n} cannot be a ganesha Export_Id (1-65535)`);
    return n;
  }
  return 1000 + (crypto().createHash("sha256").update(dirsOf(ctx)[i]).digest().readUInt32BE(0) % 60000);
}

/** The server says the path exists (ACCESS/PERM/WRONGSEC: the export is there, only not for the probe's address). */
const VISIBLE = new Set([NFS4_OK, NFS4ERR_PERM, NFS4ERR_ACCESS, NFS4ERR_WRONGSEC]);

/** "visible", "absent", or why the server could not be asked. */
export async function lookup(ctx: ExCtx, path: string, ms: number): Promise<"visible" | "absent" | string> {
  const r = await nfs4Compound({ host: PROBE_HOST, port: ctx.params.nfs_port, timeoutMs: Math.max(1, ctx.deadline.cap(ms)), ops: rootProbeOps(path, ["type"]) });
  if (!r.ok) return `${r.kind}: ${r.message}`;
  if (VISIBLE.has(r.status)) return "visible";
  if (r.status === NFS4ERR_NOENT) return "absent";
  return `LOOKUP ${path}: ${r.statusName}`;
}
