import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ExCtx } from "./common";

const RMTAB = "/var/lib/nfs/rmtab";
const read = (f: string) => {
  try {
    return readFileSync(f, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};
/** rmtab lines are "client:dir:0xcount"; a client may have mounted the configured or the real path. */
const forDir = (line: string, dir: string, real: string) => line.includes(`:${dir}:`) || line.includes(`:${real}:`);

/** NFSv3 mount records follow the export: saved in the directory at stop, merged back at start. `real`: canonical paths of `dirs`. */
export function restoreRmtab(ctx: ExCtx, dirs: string[], real: string[]) {
  if (ctx.params.rmtab_backup === "none") return;
  const have = new Set(read(RMTAB));
  const add = dirs.flatMap((d, i) => read(join(d, ctx.params.rmtab_backup)).filter((l) => forDir(l, d, real[i]) && !have.has(l)));
  if (!add.length) return;
  try {
    appendFileSync(RMTAB, add.join("\n") + "\n");
  } catch (e) {
    ctx.log.warn(`cannot restore rmtab entries: ${(e as Error).message}`);
  }
}

export function backupRmtab(ctx: ExCtx, dirs: string[], real: string[]) {
  if (ctx.params.rmtab_backup === "none") return;
  const lines = read(RMTAB);
  for (const [i, d] of dirs.entries()) {
    try {
      writeFileSync(join(d, ctx.params.rmtab_backup), lines.filter((l) => forDir(l, d, real[i])).map((l) => l + "\n").join(""));
    } catch (e) {
      ctx.log.warn(`cannot save rmtab entries of ${d}: ${(e as Error).message}`);
    }
  }
}
