import { OCF, fail } from "../../src/ocf/codes";
import { kernelPath, onDisk } from "../../src/ocf/paths";
import { readMounts } from "../../src/os/mountinfo";
import type { ExCtx } from "./params";

/** The configured directories (normalised by the parameter declaration: no trailing slashes). */
export const dirsOf = (ctx: ExCtx) => ctx.params.directory.split(/\s+/).filter(Boolean);

/** The directories as the kernel resolves them (one may be reached through a symlink). */
export async function canonicalDirs(ctx: ExCtx): Promise<string[]> {
  const all = readMounts();
  const out: string[] = [];
  for (const d of dirsOf(ctx)) out.push(await kernelPath(ctx, d, all));
  return out;
}

/** Start needs every directory present: looked at by a bounded child (they are on shared storage). */
export async function requireDirs(ctx: ExCtx) {
  const dirs = dirsOf(ctx);
  const { found } = await onDisk(ctx, ctx.deadline.remaining() / 2).statPaths(dirs);
  for (const d of dirs) {
    const st = found.get(d);
    if (!st) fail(OCF.ERR_GENERIC, `${d} does not exist here (is its filesystem mounted?)`);
    if (!st!.isDir) fail(OCF.ERR_CONFIGURED, `${d} is not a directory`);
  }
}

/** fsid of the i-th directory: numbers count up (the runtime refused a non-numeric one for several). */
export function fsidOf(ctx: ExCtx, i: number): string | undefined {
  const f = ctx.params.fsid;
  if (!f) return undefined;
  return /^\d+$/.test(f) ? String(Number(f) + i) : f;
}

export const safeName = (s: string) => s.replace(/[^A-Za-z0-9._:-]/g, "_");
