import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { OCF, fail } from "../../src/ocf/codes";
import { nfs4Compound, rootProbeOps } from "../../src/rpc/index";
import { rebuildExports, reloadExports, withExportsLock, writeAtomic } from "../nfsserver/ganesha/exports";
import { ganeshaPaths } from "../nfsserver/ganesha/paths";
import { ganeshaPid } from "../nfsserver/ganesha/process";
import { canonicalDirs, dirsOf, exportIdOf, fileName, type ExCtx } from "./common";
import { exportBlock } from "./ganesha-block";
import { leaseWait, removeState, writeState } from "./state";

const pathsOf = (ctx: ExCtx) => ganeshaPaths(ctx.params.ganesha_run_dir);
const fileOf = (ctx: ExCtx) => join(pathsOf(ctx).exportsDir, fileName(ctx));
const pseudosOf = (ctx: ExCtx) => (ctx.params.pseudo ? [ctx.params.pseudo] : dirsOf(ctx));

/** Change exports.d under the lock shared with other exportfs and nfsserver agents. */
const locked = <T>(ctx: ExCtx, fn: () => T): Promise<T> =>
  withExportsLock(pathsOf(ctx), (f) => ctx.deadline.until(f, 20), fn).catch((e) => fail(OCF.ERR_GENERIC, (e as Error).message));

/** Server says the path exists (ACCESS/PERM/WRONGSEC: the export is there, only not for 127.0.0.1). */
const VISIBLE = new Set([0, 1, 13, 10016]);

/** "visible", "absent", or why the server could not be asked. */
async function lookup(ctx: ExCtx, path: string, ms: number): Promise<"visible" | "absent" | string> {
  const r = await nfs4Compound({ host: "127.0.0.1", port: ctx.params.nfs_port, timeoutMs: Math.max(1, ctx.deadline.cap(ms)), ops: rootProbeOps(path, ["type"]) });
  if (!r.ok) return `${r.kind}: ${r.message}`;
  if (VISIBLE.has(r.status)) return "visible";
  if (r.status === 2) return "absent";
  return `LOOKUP ${path}: ${r.statusName}`;
}

export async function ganeshaStart(ctx: ExCtx): Promise<number> {
  const dirs = dirsOf(ctx);
  if (ctx.params.pseudo && dirs.length > 1) fail(OCF.ERR_CONFIGURED, "pseudo works with a single directory only");
  const paths = pathsOf(ctx);
  if (ganeshaPid(paths) === undefined) fail(OCF.ERR_GENERIC, `no ganesha runs with ${paths.conf}: start the nfsserver (server=ganesha) resource first, with the same ganesha_run_dir`);
  for (const d of dirs) if (!existsSync(d)) fail(OCF.ERR_GENERIC, `${d} does not exist here (is its filesystem mounted?)`);
  const pseudos = pseudosOf(ctx);
  // ganesha does not export a Path through a symlink (measured: the export never appears): the real path
  const real = await canonicalDirs(ctx);
  const blocks = real.map((d, i) => exportBlock({ id: exportIdOf(ctx, i), path: d, pseudo: pseudos[i], clientspec: ctx.params.clientspec, options: ctx.params.options }));
  const ignored = [...new Set(blocks.flatMap((b) => b.ignored))];
  if (ignored.length) ctx.log.info(`options ganesha has no equivalent for, ignored: ${ignored.join(",")}`);
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
  ctx.log.info(`exported ${dirs.join(" ")} to ${ctx.params.clientspec} through ganesha`);
  return OCF.SUCCESS;
}

export async function ganeshaMonitor(ctx: ExCtx, haveState: boolean): Promise<number> {
  if (!haveState || !existsSync(fileOf(ctx))) return OCF.NOT_RUNNING;
  if (ganeshaPid(pathsOf(ctx)) === undefined) fail(OCF.ERR_GENERIC, "ganesha is not running: the export is not served");
  for (const p of pseudosOf(ctx)) {
    const r = await lookup(ctx, p, ctx.params.monitor_rpc_timeout * 1000);
    if (r === "absent") fail(OCF.ERR_GENERIC, `ganesha does not export ${p} (NFS4ERR_NOENT)`);
    if (r !== "visible") fail(OCF.ERR_GENERIC, `cannot look up ${p} over NFSv4: ${r}`);
  }
  return OCF.SUCCESS;
}

export async function ganeshaStop(ctx: ExCtx): Promise<number> {
  const paths = pathsOf(ctx);
  const had = existsSync(fileOf(ctx));
  if (had) {
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
