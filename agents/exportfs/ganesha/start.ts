import { mkdirSync } from "node:fs";
import { ganeshaPid, rebuildExports, reloadExports } from "../../../src/nfs/ganesha";
import { OCF, fail } from "../../../src/ocf/codes";
import { writeAtomic } from "../../../src/os/files";
import { canonicalDirs, requireDirs } from "../common";
import type { ExCtx } from "../params";
import { writeState } from "../state";
import { exportBlock } from "./block";
import { exportIdOf, fileOf, locked, lookup, pathsOf, pseudosOf } from "./common";
import { ganeshaValidate } from "./validate";

export async function ganeshaStart(ctx: ExCtx): Promise<number> {
  ganeshaValidate(ctx);
  const paths = pathsOf(ctx);
  if (ganeshaPid(paths) === undefined) fail(OCF.ERR_GENERIC, `no ganesha runs with ${paths.conf}: start the nfsserver (server=ganesha) resource first, with the same ganesha_run_dir`);
  await requireDirs(ctx);
  const pseudos = pseudosOf(ctx);
  // ganesha does not export a Path through a symlink (measured: the export never appears): the real path
  const real = await canonicalDirs(ctx);
  const blocks = real.map((d, i) => exportBlock({ id: exportIdOf(ctx, i), path: d, pseudo: pseudos[i], clientspec: ctx.params.clientspec, options: ctx.params.options }));
  await locked(ctx, () => {
    mkdirSync(paths.exportsDir, { recursive: true });
    writeAtomic(fileOf(ctx), `# ocf:hanfs:exportfs ${ctx.instance}\n${blocks.map((b) => b.text).join("")}`);
    rebuildExports(paths);
    reloadExports(paths);
  });
  writeState(ctx, real);
  let why = "";
  for (const p of pseudos) {
    let tries = 0;
    const ok = await ctx.deadline.until(async () => {
      const r = await lookup(ctx, p, 1000);
      if (ctx.deadline.remaining() > 50) why = r; // the last call, cut short by the deadline, says nothing
      if (r === "visible") return true;
      // ganesha may fold a SIGHUP into a reload already under way: rebuild and signal again now and then
      if (++tries % 10 === 0)
        await locked(ctx, () => {
          rebuildExports(paths);
          reloadExports(paths);
        });
      return undefined;
    }, 100);
    if (!ok) fail(OCF.ERR_GENERIC, `ganesha did not make ${p} visible after reloading its exports: ${why}`);
  }
  ctx.log.info(`exported ${real.join(" ")} to ${ctx.params.clientspec} through ganesha`);
  return OCF.SUCCESS;
}
