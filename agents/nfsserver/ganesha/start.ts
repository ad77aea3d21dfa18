import { existsSync, mkdirSync, rmSync } from "node:fs";
import { withExportsLock } from "../../../src/nfs/exports-lock";
import { ganeshaPid, rebuildExports } from "../../../src/nfs/ganesha";
import { PROBE_HOST } from "../../../src/nfs/server";
import { OCF, fail } from "../../../src/ocf/codes";
import { onDisk } from "../../../src/ocf/paths";
import { describe, run } from "../../../src/os/exec";
import { readText, writeAtomic } from "../../../src/os/files";
import { signal, stateText } from "../../../src/os/procs";
import { nfs4Compound } from "../../../src/rpc/index";
import { requireInfodir, serverScope } from "../common";
import type { NfsCtx } from "../params";
import { nfsAnswers, waitAnswers } from "../probe";
import { ensureRpcbind, startRpcbindDirect } from "../rpcbind";
import { ganeshaConfig } from "./config";
import { pathsOf, pluginsDir } from "./paths";
import { ganeshaValidate } from "./validate";

/** A node-local file operation (ganesha_run_dir) that fails with a reason instead of a crash. */
function local<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    return fail(OCF.ERR_GENERIC, `${what}: ${(e as Error).message}`);
  }
}

export async function ganeshaStart(ctx: NfsCtx): Promise<number> {
  ganeshaValidate(ctx);
  const p = ctx.params;
  const paths = pathsOf(ctx);
  await requireInfodir(ctx);
  local(`cannot create ganesha_run_dir ${paths.runDir}`, () => mkdirSync(paths.runDir, { recursive: true, mode: 0o755 }));
  // the recovery records live on the shared disk
  await onDisk(ctx, ctx.deadline.remaining() / 2).makeDirs([paths.recoveryRoot]);
  await withExportsLock(paths, ctx.deadline, () => rebuildExports(paths)).catch((e) => fail(OCF.ERR_GENERIC, (e as Error).message));
  const conf = ganeshaConfig({
    instance: ctx.instance,
    v3: !p.nfsv4_only,
    nfsPort: p.nfs_port,
    mountdPort: p.mountd_port,
    pluginsDir: pluginsDir(ctx)!,
    graceTime: p.nfsv4_grace_time,
    leaseTime: p.nfsv4_lease_time,
    recoveryRoot: paths.recoveryRoot,
    scope: serverScope(ctx),
    exportsConf: paths.exportsConf,
    extra: p.ganesha_extra_config,
  });

  const running = ganeshaPid(paths);
  if (running !== undefined) {
    if (readText(paths.conf) !== conf) ctx.log.warn(`ganesha (pid ${running}) runs with an older configuration; restart the resource to apply the new one`);
    const why = await nfsAnswers(ctx);
    if (why) fail(OCF.ERR_GENERIC, `ganesha (pid ${running}, ${stateText(running)}) is running but does not answer: ${why}`);
    ctx.log.info(`ganesha already running (pid ${running})`);
    return OCF.SUCCESS;
  }
  local(`cannot write ${paths.conf}`, () => {
    writeAtomic(paths.conf, conf);
    rmSync(paths.pidFile, { force: true });
  });
  if (!p.nfsv4_only) await ensureRpcbind(ctx, () => startRpcbindDirect(ctx));

  // ganesha.nfsd forks into the background; the parent's exit only says the config parsed.
  const argv = [p.ganesha_binary, "-f", paths.conf, "-L", p.ganesha_log, "-p", paths.pidFile];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(20_000) });
  if (r.code !== 0) fail(OCF.ERR_GENERIC, `ganesha did not start: ${describe(argv, r)}`);
  const t0 = Date.now();
  // gone once it wrote its pid file, or never seen 2 s after the fork: it exited (bad config, port in use)
  const exited = () => (ganeshaPid(paths) === undefined && (existsSync(paths.pidFile) || Date.now() - t0 > 2000) ? "ganesha exited during startup" : undefined);
  const why = await waitAnswers(ctx, exited);
  if (why) {
    const pid = ganeshaPid(paths);
    if (pid !== undefined) signal(pid, "SIGKILL"); // half-started: leave nothing that stop would have to guess about
    fail(OCF.ERR_GENERIC, `ganesha did not come up: ${why}${p.ganesha_log.startsWith("/") ? ` (see ${p.ganesha_log})` : ""}`);
  }
  const lease = await serverLease(ctx);
  if (lease !== undefined && lease !== p.nfsv4_lease_time) fail(OCF.ERR_GENERIC, `ganesha reports a lease of ${lease} s, not the configured ${p.nfsv4_lease_time} s`);
  ctx.log.info(`ganesha started (pid ${ganeshaPid(paths)}), grace ${p.nfsv4_grace_time} s, lease ${lease ?? p.nfsv4_lease_time} s${lease === undefined ? "" : " (server's answer)"}, scope ${serverScope(ctx)}`);
  return OCF.SUCCESS;
}

/** The lease the server tells clients (GETATTR lease_time on the pseudo root): proof the config took. */
async function serverLease(ctx: NfsCtx): Promise<number | undefined> {
  const r = await nfs4Compound({ host: PROBE_HOST, port: ctx.params.nfs_port, timeoutMs: Math.max(1, ctx.deadline.cap(2000)), ops: [{ op: "PUTROOTFH" }, { op: "GETATTR", attrs: ["lease_time"] }] });
  if (r.ok && r.status === 0) return r.attrs?.lease_time;
  ctx.log.debug(`lease check: ${r.ok ? r.statusName : r.message}`);
  return undefined;
}
