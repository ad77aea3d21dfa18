import { join } from "node:path";
import { RMTAB } from "../../../src/nfs/server";
import { OcfError } from "../../../src/ocf/codes";
import type { Disk } from "../../../src/ocf/paths";
import type { ExCtx } from "../params";

/** rmtab lines are "client:dir:0xcount"; a client may have mounted the configured or the real path. */
const forDir = (line: string, dir: string, real: string) => line.includes(`:${dir}:`) || line.includes(`:${real}:`);
const lines = (text: string | undefined) => (text ?? "").split("\n").filter(Boolean);

/**
 * Best effort, each step bounded (both files are on shared storage): a failure is a warning, an
 * export does not fail for its NFSv3 mount records.
 */
async function bestEffort(ctx: ExCtx, what: string, f: () => Promise<void>) {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof OcfError)) throw e;
    ctx.log.warn(`${what}: ${e.message}`);
  }
}

/** NFSv3 mount records follow the export: saved in the directory at stop, merged back at start. `real`: canonical paths of `dirs`. */
export async function restoreRmtab(ctx: ExCtx, disk: Disk, dirs: string[], real: string[]) {
  if (ctx.params.rmtab_backup === "none") return;
  await bestEffort(ctx, "cannot restore rmtab entries", async () => {
    const have = new Set(lines(await disk.readFileText(RMTAB)));
    const add: string[] = [];
    for (const [i, d] of dirs.entries()) add.push(...lines(await disk.readFileText(join(d, ctx.params.rmtab_backup))).filter((l) => forDir(l, d, real[i]) && !have.has(l)));
    if (add.length) await disk.appendFileText(RMTAB, add.join("\n") + "\n");
  });
}

export async function backupRmtab(ctx: ExCtx, disk: Disk, dirs: string[], real: string[]) {
  if (ctx.params.rmtab_backup === "none") return;
  let all: string[] = [];
  await bestEffort(ctx, "cannot read rmtab", async () => void (all = lines(await disk.readFileText(RMTAB))));
  for (const [i, d] of dirs.entries()) {
    const mine = all.filter((l) => forDir(l, d, real[i])).map((l) => l + "\n").join("");
    await bestEffort(ctx, `cannot save rmtab entries of ${d}`, () => disk.writeFileText(join(d, ctx.params.rmtab_backup), mine));
  }
}
