import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { readMounts, topMountAt } from "../../src/os/mountinfo";
import { deviceSpec, isOurs } from "./common";
import type { FsCtx } from "./params";
import { resolveTag } from "./device";
import { where } from "./places";
import { readRecord } from "./record";

/**
 * depth 0: /proc/self/mountinfo only (no fork, never touches the filesystem: safe on hung NFS).
 * depth 10: one 4 KiB O_DIRECT read of the device. depth 20: write + fsync + read back of the
 * status file. The I/O runs in a child (dd) so a hung device cannot freeze us: we answer 1 with a
 * reason before the deadline and leave the stuck child behind.
 *
 * Our filesystem is looked for at the configured path (the common case: nothing else is read),
 * then at the target start recorded, at the canonical path (a mount point behind a symlink), and
 * for block devices anywhere in this namespace. Our device mounted somewhere, but not on the mount
 * point, is 1, not 7: "not running" would let the cluster mount it on another node as well, while
 * a failure makes it stop the resource here first (stop unmounts every mount of the device).
 */
export async function monitor(ctx: FsCtx): Promise<number> {
  const { directory } = ctx.params;
  const spec = deviceSpec(ctx);
  const all = readMounts();
  const lit = topMountAt(all, directory);
  let at = lit && isOurs(lit, spec, spec.kind === "tag" ? readRecord(ctx) : {}) ? lit : undefined;
  if (!at) {
    const w = await where(ctx, spec, "needed", { all });
    at = w.at;
    if (!at) {
      if (w.unresolved) fail(OCF.ERR_GENERIC, `cannot tell whether ${ctx.params.device} is mounted: ${w.unresolved}`);
      if (w.device.length)
        fail(OCF.ERR_GENERIC, `${ctx.params.device} is mounted on ${w.device.map((m) => m.mountpoint).join(", ")} but not on ${directory}: it must be stopped here before it may start anywhere`);
      if (w.foreign) {
        const why = `${directory} has ${w.foreign.source} (${w.foreign.fstype}) mounted, not ${ctx.params.device}`;
        if (ctx.probe) {
          ctx.log.warn(why);
          return OCF.NOT_RUNNING;
        }
        fail(OCF.ERR_GENERIC, why);
      }
      return OCF.NOT_RUNNING;
    }
  }
  if (ctx.depth >= 10 && (spec.kind === "block" || spec.kind === "tag")) await readDevice(ctx, spec.kind === "block" ? spec.path : resolveTag(spec) ?? readRecord(ctx).source ?? at.source);
  if (ctx.depth >= 20) await writeStatus(ctx, at.mountpoint);
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

/** The status file on the filesystem found mounted (its mountinfo path), not wherever `directory` leads now. */
export function statusFile(ctx: FsCtx, mountpoint: string): string {
  let name = `${mountpoint}/${ctx.params.statusfile_prefix}${ctx.instance}`;
  if (ctx.meta.is_clone) name += `_${ctx.meta.on_node || "node"}`;
  return name;
}

async function writeStatus(ctx: FsCtx, mountpoint: string) {
  const file = statusFile(ctx, mountpoint);
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
