import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { PROG, rpcNull } from "../../src/rpc/index";
import { PROBE_HOST } from "../../src/nfs/server";
import type { NfsCtx } from "./params";

/** rpcbind must answer before an NFSv3 server starts (it registers MOUNT and NFS v3 there). */
export async function ensureRpcbind(ctx: NfsCtx, startIt: () => Promise<void>) {
  if (await rpcbindAnswers(ctx, 1000)) return;
  // not answering: start one even if an rpcbind process exists (it may live in another network
  // namespace); a second one in ours fails to bind and the poll below reports the real state
  await startIt().catch((e) => ctx.log.warn((e as Error).message));
  const ok = await ctx.deadline.until(async () => ((await rpcbindAnswers(ctx, 500)) ? true : undefined), 100);
  if (!ok) fail(OCF.ERR_GENERIC, "rpcbind does not answer on port 111 (needed for NFSv3; set nfsv4_only=true to run without it)");
}

export async function startRpcbindDirect(ctx: NfsCtx) {
  const argv = ["rpcbind", "-w"];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(10_000) });
  if (r.code !== 0) fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `cannot start rpcbind: ${describe(argv, r)}`);
}

export async function rpcbindAnswers(ctx: NfsCtx, ms: number): Promise<boolean> {
  const r = await rpcNull({ host: PROBE_HOST, port: 111, prog: PROG.PORTMAP, vers: 2, timeoutMs: Math.max(1, ctx.deadline.cap(ms)) });
  return r.ok;
}
