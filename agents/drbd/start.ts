import { existsSync } from "node:fs";
import { procDrbdPath } from "../../src/drbd/kernel";
import { facts } from "../../src/drbd/facts";
import { monitorResult } from "../../src/drbd/policy";
import { OCF, fail } from "../../src/ocf/codes";
import { run, describe } from "../../src/os/exec";
import { drbdadm, pause, readState, stateOpts, summary, toolEnv, updateRecord, type DrbdCtx, type Seen } from "./common";
import { rescore } from "./score";
import { checkClone, checkConfig, checkInstalled, checkModule } from "./validate";

/** The module, when /proc/drbd is missing: `modprobe -s drbd <drbdadm sh-mod-parms>`, as linbit does. */
async function loadModule(ctx: DrbdCtx) {
  const parms = await drbdadm(ctx, ["sh-mod-parms"], 10_000);
  const argv = ["modprobe", "-s", "drbd", ...(parms.ok ? parms.r.stdout.split(/\s+/).filter(Boolean) : [])];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(30_000), env: toolEnv(ctx) });
  if (r.code !== 0) fail(OCF.ERR_INSTALLED, `cannot load the drbd module: ${describe(argv, r)}`);
  const up = await ctx.deadline.until(() => existsSync(procDrbdPath(ctx.env)) || undefined, 100, 10_000);
  if (!up) fail(OCF.ERR_INSTALLED, `${procDrbdPath(ctx.env)} did not appear after ${argv.join(" ")}`);
}

/**
 * Until the resource exists with its disk attached, as Secondary. 8.4: new-resource, new-minor, attach
 * (linbit's sequence; 8.4's adjust has no --skip-net); 9: adjust --skip-net. Attach is tried twice, then
 * start fails (a disk that cannot attach will not start to); a Primary found here is demoted.
 */
async function bringUp(ctx: DrbdCtx, family: "8.4" | "9"): Promise<Seen> {
  const res = ctx.params.drbd_resource;
  const attach = family === "8.4" ? ["attach", res] : ["adjust", "--skip-net", res];
  let attaches = 0;
  let last = "";
  // re-read at once after a step that worked; pace (1 s) after one that failed, and on and on
  for (let round = 0, failed = false; ; round++) {
    if ((failed || round > 6) && !(await pause(ctx))) return fail(OCF.ERR_GENERIC, `${res} did not come up before the start timeout: ${last}`);
    failed = false;
    const seen = await readState(ctx, "exact");
    const r = seen.r;
    let steps: string[][];
    if (!r) steps = family === "8.4" ? [["new-resource", res], ["new-minor", res], attach] : [attach];
    else if (!r.devices.length) steps = family === "8.4" ? [["new-minor", res], attach] : [attach];
    else if ((stateOpts(ctx).diskConfigured ?? true) && r.devices.some((d) => d.disk === "Diskless" && d.client !== true)) steps = [attach];
    else if (r.role === "Primary") {
      ctx.log.warn(`${res} is already Primary: demoting it (start means Secondary)`);
      steps = [["secondary", res]];
    } else return seen;
    for (const step of steps) {
      if (step === attach && ++attaches > 2) return fail(OCF.ERR_GENERIC, `failed to attach the disk of ${res}: ${last}`);
      const c = await drbdadm(ctx, step);
      if (!c.ok) {
        last = c.text;
        failed = true;
        break;
      }
    }
  }
}

/**
 * Connect (drbdadm adjust: whatever differs from the configuration) and wait up to wfc_timeout for
 * every connection, so the first score knows the peer's disk. A peer that does not come is not a
 * failure: the resource runs degraded (190) until it does.
 */
async function connect(ctx: DrbdCtx) {
  const res = ctx.params.drbd_resource;
  const c = await drbdadm(ctx, ["adjust", res]);
  if (!c.ok) ctx.log.warn(`adjust failed, ${res} may stay unconnected: ${c.text}`);
  if (!ctx.params.wfc_timeout) return;
  const opts = stateOpts(ctx);
  const limit = Math.min(ctx.params.wfc_timeout * 1000, ctx.deadline.remaining() - 3000);
  const ok = await ctx.deadline.until(
    async () => {
      const s = await readState(ctx, "fast");
      const f = s.r && facts(s.r, opts.diskConfigured);
      return f && f.peers.length > 0 && f.peers.every((p) => p.connected) ? true : undefined;
    },
    500,
    Math.max(0, limit),
  );
  if (!ok) ctx.log.info(`${res}: no connection to the peer within wfc_timeout=${ctx.params.wfc_timeout} s; running unconnected`);
}

export async function start(ctx: DrbdCtx): Promise<number> {
  checkInstalled(ctx);
  let mod = await checkModule(ctx);
  await checkClone(ctx, mod.family);
  const cfg = await checkConfig(ctx);
  updateRecord(ctx, { diskConfigured: cfg.diskConfigured ?? true, unfenced: false });
  if (!mod.loaded) {
    await loadModule(ctx);
    mod = await checkModule(ctx);
  }
  await bringUp(ctx, mod.family);
  if (!ctx.params.connect_only_after_promote) await connect(ctx);
  const seen = await readState(ctx, "exact");
  await rescore(ctx, seen);
  const m = monitorResult(seen.r, stateOpts(ctx));
  if (m.code !== OCF.SUCCESS && m.code !== OCF.DEGRADED) return fail(OCF.ERR_GENERIC, `started, but ${m.reason ?? summary(seen.r)}`);
  ctx.log.info(`${ctx.params.drbd_resource} started: ${summary(seen.r)}`);
  return OCF.SUCCESS;
}

/** reload (a non-unique parameter changed): apply the DRBD configuration and rescore; nothing restarts. */
export async function reload(ctx: DrbdCtx): Promise<number> {
  const seen = await readState(ctx, "exact");
  if (seen.r && !(ctx.params.connect_only_after_promote && seen.r.role !== "Primary")) {
    const c = await drbdadm(ctx, ["adjust", ctx.params.drbd_resource]);
    if (!c.ok) ctx.log.warn(c.text);
  }
  await rescore(ctx, seen.r ? await readState(ctx, "exact") : seen);
  return OCF.SUCCESS;
}
