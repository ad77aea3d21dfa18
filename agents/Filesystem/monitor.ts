import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { readMounts, topMountAt } from "../../src/os/mountinfo";
import { deviceSpec, knownDevice, mountMatches, type FsCtx } from "./common";
import { resolveTag } from "./device";

/**
 * depth 0: /proc/self/mountinfo only (no fork, never touches the filesystem: safe on hung NFS).
 * depth 10: one 4 KiB O_DIRECT read of the device. depth 20: write + fsync + read back of the
 * status file. The I/O runs in a child (dd) so a hung device cannot freeze us: we answer 1 with a
 * reason before the deadline and leave the stuck child behind.
 */
export async function monitor(ctx: FsCtx): Promise<number> {
  const { directory } = ctx.params;
  const spec = deviceSpec(ctx);
  const top = topMountAt(readMounts(), directory);
  if (!top) return OCF.NOT_RUNNING;
  if (!mountMatches(top, spec, knownDevice(ctx))) {
    const why = `${directory} has ${top.source} (${top.fstype}) mounted, not ${ctx.params.device}`;
    if (ctx.probe) {
      ctx.log.warn(why);
      return OCF.NOT_RUNNING;
    }
    fail(OCF.ERR_GENERIC, why);
  }
  if (ctx.depth >= 10 && (spec.kind === "block" || spec.kind === "tag")) await readDevice(ctx, spec.kind === "block" ? spec.path : resolveTag(spec) ?? knownDevice(ctx) ?? top.source);
  if (ctx.depth >= 20) await writeStatus(ctx);
  return OCF.SUCCESS;
}

async function io(ctx: FsCtx, argv: string[], what: string, input?: string) {
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity), input });
  if (r.timedOut) fail(OCF.ERR_GENERIC, `${what}: no answer before the monitor deadline (I/O hung)`);
  if (r.code !== 0) fail(OCF.ERR_GENERIC, `${what} failed: ${describe(argv, r)}`);
  return r;
}

async function readDevice(ctx: FsCtx, dev: string) {
  await io(ctx, ["dd", `if=${dev}`, "of=/dev/null", "bs=4096", "count=1", "iflag=direct", "status=none"], `direct read of ${dev}`);
}

export function statusFile(ctx: FsCtx): string {
  let name = `${ctx.params.directory}/${ctx.params.statusfile_prefix}${ctx.instance}`;
  if (ctx.meta.is_clone) name += `_${ctx.meta.on_node || "node"}`;
  return name;
}

async function writeStatus(ctx: FsCtx) {
  const file = statusFile(ctx);
  const dir = file.slice(0, file.lastIndexOf("/"));
  const stamp = `hanfs ${ctx.instance} ${process.pid} ${Date.now()}\n`;
  const payload = stamp.padEnd(4096, "\0");
  // O_DIRECT proves the device took the write; tmpfs and friends refuse it (EINVAL) → O_SYNC.
  // The status directory is made only when the write says it is missing: one exec less per call.
  let direct = true;
  for (let attempt = 0; ; attempt++) {
    const argv = ["dd", `of=${file}`, "bs=4096", "count=1", `oflag=${direct ? "direct," : ""}sync`, "conv=fsync", "status=none"];
    const w = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity), input: payload });
    if (w.timedOut) fail(OCF.ERR_GENERIC, `write of ${file}: no answer before the monitor deadline (I/O hung)`);
    if (w.code === 0) break;
    if (attempt < 2 && direct && /Invalid argument/.test(w.stderr)) direct = false;
    else if (attempt < 2 && /No such file or directory/.test(w.stderr)) await io(ctx, ["mkdir", "-p", dir], `mkdir ${dir}`);
    else fail(OCF.ERR_GENERIC, `write of ${file} failed: ${describe(argv, w)}`);
  }
  const r = await io(ctx, ["dd", `if=${file}`, "bs=4096", "count=1", ...(direct ? ["iflag=direct"] : []), "status=none"], `read back of ${file}`);
  if (!r.stdout.startsWith(stamp)) fail(OCF.ERR_GENERIC, `read back of ${file} returned other data than was written`);
}
