import { OCF, fail } from "../../src/ocf/codes";
import type { Ctx } from "../../src/ocf/declare";
import type { ExportParams } from "./index";
import { crypto } from "../../src/os/lazy";

export type ExCtx = Ctx<ExportParams>;

export const dirsOf = (ctx: ExCtx) => ctx.params.directory.split(/\s+/).filter(Boolean).map((d) => (d.length > 1 ? d.replace(/\/+$/, "") : d));

/** fsid of the i-th directory: numbers count up, root and UUIDs only for a single directory. */
export function fsidOf(ctx: ExCtx, i: number): string | undefined {
  const f = ctx.params.fsid;
  if (!f) return undefined;
  if (/^\d+$/.test(f)) return String(Number(f) + i);
  if (dirsOf(ctx).length > 1) fail(OCF.ERR_CONFIGURED, `fsid ${f} cannot be shared by ${dirsOf(ctx).length} directories; use a number`);
  return f;
}

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

const safe = (s: string) => s.replace(/[^A-Za-z0-9._:-]/g, "_");

/** Proof that this boot exported it: lives in tmpfs (HA_RSCTMP), gone after a reboot (RA#821). */
export const stateFile = (ctx: ExCtx) => `${ctx.env.HA_RSCTMP || "/run/resource-agents"}/hanfs-exportfs-${safe(ctx.instance)}.state`;

export const fileName = (ctx: ExCtx) => `${safe(ctx.instance)}.conf`;
