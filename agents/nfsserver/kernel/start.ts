import { readlinkSync } from "node:fs";
import { nfsdThreads } from "../../../src/nfs/server";
import { OCF, fail } from "../../../src/ocf/codes";
import { describe, run, startHelper } from "../../../src/os/exec";
import { which } from "../../../src/os/files";
import { nfsIps, requireInfodir, serverScope } from "../common";
import type { NfsCtx } from "../params";
import { nfsAnswers, waitAnswers } from "../probe";
import { ensureRpcbind, startRpcbindDirect } from "../rpcbind";
import { anyRunning, missingHelpers, present, runStep, startDirect, systemctl } from "./daemons";
import { ensureScopeDropin } from "./dropin";
import { bindInfodir, infodirBound, mountPipefs, prepareInfodir } from "./infodir";
import { ensureNfsdFs, writeNfsConf, writeTunables } from "./nfsdfs";
import { systemdRuns } from "./paths";
import { stopServices } from "./stop";
import { kernelValidate } from "./validate";

/**
 * Run argv (rpc.nfsd) in a UTS namespace whose host name is the scope: the kernel takes the NFSv4
 * server scope from it (RA#1644). A placeholder holds the namespace while `hostname` and argv enter
 * it with nsenter: no shell. The placeholder sleeps no longer than our deadline and dies with us
 * (parent-death signal), so even a SIGKILLed agent leaves nothing behind for long.
 */
async function runInScope(ctx: NfsCtx, scope: string, argv: string[], what: string) {
  const secs = String(Math.ceil(ctx.deadline.remaining() / 1000) + 1);
  const pdeath = which("setpriv") ? ["setpriv", "--pdeathsig", "KILL", "--"] : [];
  const holder = startHelper([...pdeath, "unshare", "--uts", "--", "sleep", secs], { PATH: process.env.PATH || "/usr/sbin:/usr/bin:/sbin:/bin" });
  try {
    const mine = readlinkSync("/proc/self/ns/uts");
    const pid = holder.pid;
    const ready = await ctx.deadline.until(() => {
      try {
        return pid && readlinkSync(`/proc/${pid}/ns/uts`) !== mine ? pid : undefined;
      } catch {
        return undefined;
      }
    }, 10, 5000);
    if (!ready) fail(OCF.ERR_GENERIC, `could not make a UTS namespace for server scope ${scope} (unshare --uts)`);
    await runStep(ctx, ["nsenter", "-t", String(ready), "-u", "--", "hostname", scope], "setting the server scope");
    await runStep(ctx, ["nsenter", "-t", String(ready), "-u", "--", ...argv], what);
  } finally {
    holder.kill();
  }
}

export async function kernelStart(ctx: NfsCtx): Promise<number> {
  kernelValidate(ctx);
  const p = ctx.params;
  const sd = systemdRuns();
  const info = p.nfs_shared_infodir;
  await requireInfodir(ctx);
  if (nfsdThreads() > 0 && (!info || (await infodirBound(ctx, info))) && !missingHelpers(ctx).length && !(await nfsAnswers(ctx))) {
    ctx.log.info("the NFS server is already running");
    return OCF.SUCCESS;
  }
  if (sd) {
    writeNfsConf(ctx);
    await ensureScopeDropin(ctx, serverScope(ctx));
  }
  // nfsd's filesystem, and sunrpc with it: rpc_pipefs can only be mounted once it is loaded
  await ensureNfsdFs(ctx);
  if (info) {
    await prepareInfodir(ctx, info);
    // nfsd, nfsdcld, statd & co. keep the node's own /var/lib/nfs open: they restart on the shared one
    if (!(await infodirBound(ctx, info)) && anyRunning(ctx)) await stopServices(ctx);
    await bindInfodir(ctx, info);
  } else await mountPipefs(ctx);

  writeTunables(ctx); // before any nfsd thread exists
  if (!p.nfsv4_only) await ensureRpcbind(ctx, () => (sd ? systemctl(ctx, "start", ["rpcbind.socket", "rpcbind.service"]).then(() => undefined) : startRpcbindDirect(ctx)));
  const fresh = nfsdThreads() === 0;
  // one transaction: systemd starts nfs-server after statd, nfsdcld, idmapd and mountd (nfsdcld must
  // run before nfsd starts, or the kernel tracks clients without it); one systemctl, not five
  if (sd) await systemctl(ctx, "start", [...present(ctx).map((d) => d.unit), "nfs-server.service"]);
  else for (const d of present(ctx)) await startDirect(ctx, d);
  if (!sd && fresh) {
    const args = p.nfsd_args.split(/\s+/).filter(Boolean);
    await runInScope(ctx, serverScope(ctx), ["rpc.nfsd", ...args, ...(p.nfsv4_only ? ["-N", "3"] : []), String(p.nfsd_threads)], "rpc.nfsd");
  }
  if (!(await ctx.deadline.until(() => (nfsdThreads() > 0 ? true : undefined), 50)))
    fail(OCF.ERR_GENERIC, "nfsd started no threads before the start deadline (see the kernel log)");
  const why = await waitAnswers(ctx);
  if (why) fail(OCF.ERR_GENERIC, `nfsd does not answer: ${why}`);
  if (fresh) await notify(ctx); // a server that kept running did not reboot: nothing to reclaim
  ctx.log.info(`NFS server started: ${nfsdThreads()} threads, grace ${p.nfsv4_grace_time} s, lease ${p.nfsv4_lease_time} s, scope ${serverScope(ctx)}`);
  return OCF.SUCCESS;
}

/** NSM reboot notification per service address, so NFSv3 clients reclaim their locks. */
async function notify(ctx: NfsCtx) {
  const p = ctx.params;
  if (p.nfs_no_notify || p.nfsv4_only) return;
  const base = [p.nfs_notify_cmd, "-f", ...(p.nfs_notify_foreground ? ["-d"] : []), ...(p.nfs_smnotify_retry_time ? ["-m", String(p.nfs_smnotify_retry_time)] : [])];
  const ips = nfsIps(ctx);
  for (const argv of ips.length ? ips.map((ip) => [...base, "-v", ip]) : [base]) {
    const r = await run(argv, { timeoutMs: ctx.deadline.cap(p.nfs_notify_foreground ? Infinity : 10_000) });
    if (r.code !== 0) ctx.log.warn(`sm-notify failed (NFSv3 clients may not reclaim locks): ${describe(argv, r)}`);
  }
}
