import { OCF, fail } from "../../src/ocf/codes";
import { onDisk } from "../../src/ocf/paths";
import type { NfsCtx } from "./params";

/** One scope for the whole cluster: the configured one, else the resource name (not the node name: RA#1644). */
export const serverScope = (ctx: NfsCtx) => ctx.params.nfs_server_scope || ctx.instance.replace(/:\d+$/, "").replace(/[^A-Za-z0-9._:@-]/g, "_");

export const nfsIps = (ctx: NfsCtx) => ctx.params.nfs_ip.split(",").map((s) => s.trim()).filter(Boolean);

/** Start needs the shared info dir (when configured) present: looked at by a bounded child, it is on shared storage. */
export async function requireInfodir(ctx: NfsCtx) {
  const info = ctx.params.nfs_shared_infodir;
  if (!info) return;
  const st = await onDisk(ctx, ctx.deadline.remaining() / 2).statPath(info);
  if (!st) fail(OCF.ERR_GENERIC, `nfs_shared_infodir ${info} does not exist here (is the shared filesystem mounted?)`);
  if (!st!.isDir) fail(OCF.ERR_CONFIGURED, `nfs_shared_infodir ${info} is not a directory`);
}
