import { nfsdThreads } from "../../../src/nfs/server";
import { OCF, fail } from "../../../src/ocf/codes";
import { describe, run } from "../../../src/os/exec";
import type { NfsCtx } from "../params";
import { helpers, runStep, stopDirect } from "./daemons";
import { mountPipefs, unbindInfodir } from "./infodir";
import { systemdRuns } from "./paths";

/** Stop order the real kernel needs: nfsd, then nfsdcld, statd, mountd, idmapd (they hold /var/lib/nfs). */
const ORDER = ["nfsdcld", "rpc.statd", "rpc.mountd", "rpc.idmapd"];

export async function stopServices(ctx: NfsCtx) {
  const sd = systemdRuns();
  // every helper, statd too whatever nfsv4_only says now: a parameter change must not leave one holding the disk
  const all = helpers(ctx.params, true);
  const unit = (comm: string) => all.find((x) => x.comm === comm)!.unit;
  // one transaction: systemd stops nfs-server before the units it is ordered after (nfsdcld, statd,
  // mountd, idmapd), the order the kernel needs
  if (sd) await systemctlStop(ctx, ["nfs-server.service", ...ORDER.map(unit)]);
  else if (nfsdThreads() > 0) await runStep(ctx, ["rpc.nfsd", "0"], "rpc.nfsd 0");
  if (!(await ctx.deadline.until(() => (nfsdThreads() === 0 ? true : undefined), 50)))
    fail(OCF.ERR_GENERIC, `nfsd still has ${nfsdThreads()} threads at the stop deadline`);
  // under systemd this finds only helpers started outside their units
  for (const comm of ORDER) await stopDirect(ctx, comm);
  await stopDirect(ctx, "sm-notify");
}

/** `systemctl stop` of units this node does not have (exit 5: the others are stopped) is a success. */
async function systemctlStop(ctx: NfsCtx, units: string[]) {
  const argv = ["systemctl", "stop", ...units];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity) });
  if (r.code !== 0 && r.code !== 5) fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `systemctl stop ${units.join(" ")} failed: ${describe(argv, r)}`);
}

export async function kernelStop(ctx: NfsCtx): Promise<number> {
  await stopServices(ctx);
  const info = ctx.params.nfs_shared_infodir;
  if (info) {
    const why = await unbindInfodir(ctx, info);
    if (why) fail(OCF.ERR_GENERIC, why);
    // the node's own rpc_pipefs went at start (it would have been hidden); NFS clients here need it
    await mountPipefs(ctx).catch((e) => ctx.log.warn(`rpc_pipefs not restored: ${(e as Error).message}`));
  }
  ctx.log.info("NFS server stopped");
  return OCF.SUCCESS;
}
