import { OCF, fail } from "../../../src/ocf/codes";
import { describe, run } from "../../../src/os/exec";
import { which } from "../../../src/os/files";
import { alive, findByComm, signal } from "../../../src/os/procs";
import { nfsdThreads } from "../../../src/nfs/server";
import type { NfsCtx, NfsParams } from "../params";
import type { ParamValues } from "../../../src/ocf/declare";

/** A helper daemon of the kernel server: its process name, systemd unit and direct command line. */
export interface Daemon {
  comm: string;
  unit: string;
  argv: string[];
  /** absent programs are skipped (nfsdcld and rpc.idmapd are optional) */
  optional?: boolean;
}

/** Start order; stop runs the reverse after nfsd (nfsdcld and statd hold /var/lib/nfs open). `v3`: with statd. */
export function helpers(p: ParamValues<NfsParams>, v3 = !p.nfsv4_only): Daemon[] {
  const port = (flag: string, n: number) => (n ? [flag, String(n)] : []);
  return [
    ...(v3 ? [{ comm: "rpc.statd", unit: "rpc-statd.service", argv: ["rpc.statd", "--no-notify", ...port("-p", p.statd_port), ...port("-o", p.statd_outgoing_port)] }] : []),
    { comm: "nfsdcld", unit: "nfsdcld.service", argv: ["nfsdcld"], optional: true },
    { comm: "rpc.idmapd", unit: "nfs-idmapd.service", argv: ["rpc.idmapd"], optional: true },
    // mountd answers the kernel's export upcalls for NFSv4 too
    { comm: "rpc.mountd", unit: "nfs-mountd.service", argv: ["rpc.mountd", ...port("-p", p.mountd_port), ...(v3 ? [] : ["-N", "2", "-N", "3"])] },
  ];
}

/** The daemons this node runs: optional ones only when installed. */
export const present = (ctx: NfsCtx) => helpers(ctx.params).filter((d) => !d.optional || which(d.argv[0]));

export async function runStep(ctx: NfsCtx, argv: string[], what: string, limitMs = 15_000) {
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(limitMs) });
  if (r.code !== 0) fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `${what} failed: ${describe(argv, r)}`);
  return r;
}

const running = (comm: string) => findByComm([comm]).get(comm.slice(0, 15)) ?? [];

/** Start a daemon ourselves unless it runs; it forks into the background, we wait until it stays. */
export async function startDirect(ctx: NfsCtx, d: Daemon) {
  if (running(d.comm).length) return;
  await runStep(ctx, d.argv, `start of ${d.comm}`);
  // up = seen in two polls 150 ms apart: a daemon that dies during its own startup is not up
  let seen = false;
  const up = await ctx.deadline.until(() => {
    const now = running(d.comm).length > 0;
    if (now && seen) return true;
    seen = now;
    return undefined;
  }, 150, 10_000);
  if (!up) fail(OCF.ERR_GENERIC, `${d.comm} exited right after starting (or never daemonized)`);
}

/** TERM, then KILL for what is left after half the time we can give it. */
export async function stopDirect(ctx: NfsCtx, comm: string) {
  const pids = running(comm);
  if (!pids.length) return;
  for (const pid of pids) signal(pid, "SIGTERM");
  const gone = () => (pids.some((p) => alive(p)) ? undefined : true);
  if (await ctx.deadline.until(gone, 20, Math.min(5000, ctx.deadline.remaining() / 4))) return;
  ctx.log.warn(`${comm} ignored SIGTERM; sending SIGKILL`);
  for (const pid of pids) signal(pid, "SIGKILL");
  if (!(await ctx.deadline.until(gone, 20, 2000))) fail(OCF.ERR_GENERIC, `${comm} (pid ${pids.join(",")}) did not exit`);
}

/**
 * systemctl waits for its jobs: bounded by the operation's deadline only (a fixed 30 s cut the
 * start of statd, nfsdcld, idmapd, mountd and nfs-server short in a guest on a busy host).
 */
export const systemctl = (ctx: NfsCtx, verb: string, units: string[]) => runStep(ctx, ["systemctl", verb, ...units], `systemctl ${verb} ${units.join(" ")}`, Infinity);

/** Helper daemons that should run but do not (by /proc comm). */
export function missingHelpers(ctx: NfsCtx): string[] {
  const want = present(ctx).map((d) => d.comm);
  if (!ctx.params.nfsv4_only) want.unshift("rpcbind");
  const found = findByComm(want);
  return want.filter((c) => !found.has(c.slice(0, 15)));
}

/** nfsd threads or any helper daemon (statd too, whatever nfsv4_only says) run on this node: /proc only. */
export function anyRunning(ctx: NfsCtx): boolean {
  if (nfsdThreads() > 0) return true;
  return findByComm(helpers(ctx.params, true).map((d) => d.comm)).size > 0;
}
