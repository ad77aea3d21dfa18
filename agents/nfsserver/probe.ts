import { PROG, XdrWriter, rpcCall, rpcNull } from "../../src/rpc/index";
import { PROBE_HOST } from "../../src/nfs/server";
import type { NfsCtx } from "./params";

/**
 * RPC NULL to NFS v4 (and v3 unless nfsv4_only) on the server's port, in parallel, each bounded by
 * `ms` (default monitor_rpc_timeout) and the operation deadline. Undefined when every call got a
 * reply, else why not. A TCP accept proves nothing: a hung or SIGSTOPped server still accepts.
 */
export async function nfsAnswers(ctx: NfsCtx, ms = ctx.params.monitor_rpc_timeout * 1000): Promise<string | undefined> {
  const p = ctx.params;
  const timeoutMs = Math.max(1, ctx.deadline.cap(ms));
  const versions = p.nfsv4_only ? [4] : [4, 3];
  const results = await Promise.all(versions.map((vers) => rpcNull({ host: PROBE_HOST, port: p.nfs_port, prog: PROG.NFS, vers, timeoutMs })));
  const bad = results.flatMap((r, i) => (r.ok ? [] : [`v${versions[i]}: ${r.kind}`]));
  if (!bad.length) {
    ctx.log.debug(`RPC NULL answered in ${results.map((r) => r.ms).join("/")} ms`);
    return undefined;
  }
  const first = results.find((r) => !r.ok);
  if (first && !first.ok) ctx.log.debug(first.message);
  return `no RPC NULL reply from ${PROBE_HOST}:${p.nfs_port} within ${timeoutMs} ms (${bad.join(", ")})`;
}

/** Poll with short calls until the server answers or `stillWorth` says stop; bounded by the deadline. */
export async function waitAnswers(ctx: NfsCtx, stillWorth: () => string | undefined = () => undefined): Promise<string | undefined> {
  let why: string | undefined = "no answer before the deadline";
  await ctx.deadline.until(async () => {
    const dead = stillWorth();
    if (dead) {
      why = dead;
      return false;
    }
    why = await nfsAnswers(ctx, 1000);
    return why === undefined ? true : undefined;
  }, 100);
  return why;
}

/**
 * NFSv3 clients find MOUNT through rpcbind: PMAPPROC_GETPORT(MOUNT v3, TCP) must give a port. A
 * restarted rpcbind has lost the registrations even though a process runs.
 */
export async function mountRegistered(ctx: NfsCtx): Promise<string | undefined> {
  const timeoutMs = Math.max(1, ctx.deadline.cap(ctx.params.monitor_rpc_timeout * 1000));
  const args = new XdrWriter().u32(PROG.MOUNT).u32(3).u32(6).u32(0).bytes();
  const r = await rpcCall({ host: PROBE_HOST, port: 111, prog: PROG.PORTMAP, vers: 2, proc: 3, args, timeoutMs });
  if (!r.ok) return `rpcbind does not answer on ${PROBE_HOST}:111 (${r.kind}): NFSv3 clients cannot find MOUNT`;
  const port = r.results.length >= 4 ? r.results.readUInt32BE(0) : 0;
  return port ? undefined : "MOUNT v3 is not registered with rpcbind (rpcbind restarted?): NFSv3 clients cannot mount";
}
