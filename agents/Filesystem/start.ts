import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { isBelow, readMounts, topMountAt, type Mount } from "../../src/os/mountinfo";
import { deviceSpec, isOurs, mountsToRemove } from "./common";
import type { FsCtx } from "./params";
import { resolveTag, type DeviceSpec } from "./device";
import { where } from "./places";
import { writeRecord } from "./record";
import { checkEnvironment } from "./validate";

/** fstypes `run_fsck=auto` leaves alone: journalled or not checkable by fsck -p. */
const NO_AUTO_FSCK = /^(ext3|ext4|reiserfs|reiser4|nss|xfs|jfs|btrfs|vfat|fat|exfat|ocfs2|gfs2|none|lustre|tmpfs|ramfs|f2fs|zfs)$/;

export async function start(ctx: FsCtx): Promise<number> {
  const p = ctx.params;
  const spec = deviceSpec(ctx);
  const bindDev = await checkEnvironment(ctx, spec);
  const w = await where(ctx, spec, "always");
  // where the kernel puts a mount on `directory` (a symlink on the way is followed, as mount(8) does)
  const target = w.canonical;
  if (!target) return fail(OCF.ERR_GENERIC, `cannot resolve the mount point: ${w.unresolved}`);
  if (w.at) {
    if (!w.rec.target) {
      try {
        writeRecord(ctx, { target: w.at.mountpoint, dev: w.dev ?? w.at.dev, source: w.rec.source ?? w.at.source });
      } catch (e) {
        ctx.log.warn(`cannot record the mount in HA_RSCTMP: ${(e as Error).message}`);
      }
    }
    ctx.log.info(`${p.device} is already mounted on ${w.at.mountpoint}`);
    return OCF.SUCCESS;
  }
  const top = topMountAt(w.all, target);
  if (top) fail(OCF.ERR_GENERIC, `${target} already has ${top.source} (${top.fstype}) mounted; refusing to mount over it`);
  const below = w.all.filter((m) => m.mountpoint !== target && isBelow(m.mountpoint, target));
  if (below.length) fail(OCF.ERR_CONFIGURED, `something is already mounted below ${target} (${below[0].mountpoint}); refusing to hide it`);
  if (w.device.length) ctx.log.warn(`${p.device} is already mounted on ${w.device.map((m) => m.mountpoint).join(", ")}; mounting it on ${target} as well`);

  await step(ctx, ["mkdir", "-p", "--", target], `mkdir ${target}`);
  await fsck(ctx, spec);

  // the trail a start that dies after mount(2) leaves for stop and monitor: no mount without it
  const rec = { target, dev: w.dev ?? bindDev, source: w.rec.source };
  try {
    writeRecord(ctx, rec);
  } catch (e) {
    fail(OCF.ERR_GENERIC, `cannot record the mount in HA_RSCTMP before mounting: ${(e as Error).message}`);
  }
  const before = new Set(w.all.map((m) => m.id));
  const argv = mountArgv(p.device, target, p.fstype, p.options, spec);
  // leave time to undo a mount that mount(8) made but did not finish
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity) - Math.min(2000, ctx.deadline.remaining() / 10) });
  const all = readMounts();
  const now = topMountAt(all, target);
  const ok = r.code === 0 && now && isOurs(now, spec, rec);
  if (!ok) {
    const why = r.code !== 0 ? `mount failed: ${describe(argv, r)}` : `mount returned 0 but ${target} does not show ${p.device}`;
    // what appeared since we started and is ours: on the target, or our device anywhere
    const made = all.filter((m) => !before.has(m.id) && ((m.mountpoint === target && isOurs(m, spec, rec)) || (w.dev && m.dev === w.dev)));
    if (made.length) fail(OCF.ERR_GENERIC, `${why}; ${await undo(ctx, made)}`);
    fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, why);
  }
  if (spec.kind === "tag") writeRecord(ctx, { target, dev: now!.dev, source: now!.source });
  ctx.log.info(`mounted ${p.device} on ${target} (${p.fstype})`);
  return OCF.SUCCESS;
}

/** Unmount what a failed start mounted, newest first; says what became of it. */
async function undo(ctx: FsCtx, made: Mount[]): Promise<string> {
  for (const m of mountsToRemove(readMounts(), made)) {
    const r = await run(["umount", m.mountpoint], { timeoutMs: Math.max(200, ctx.deadline.cap(Infinity)) });
    if (r.code !== 0) ctx.log.warn(`undo: umount ${m.mountpoint}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  const left = readMounts().filter((m) => made.some((x) => x.id === m.id));
  return left.length ? `it stays mounted on ${left.map((m) => m.mountpoint).join(", ")} (stop unmounts it)` : "unmounted it again";
}

export function mountArgv(device: string, dir: string, fstype: string, options: string, spec: DeviceSpec): string[] {
  const dev = spec.kind === "tag" ? `${spec.tag}=${spec.value}` : device;
  if (spec.kind === "bind") return ["mount", "-o", options && /(^|,)r?bind(,|$)/.test(options) ? options : ["bind", options].filter(Boolean).join(","), dev, dir];
  return ["mount", "-t", fstype, ...(options ? ["-o", options] : []), dev, dir];
}

async function fsck(ctx: FsCtx, spec: DeviceSpec) {
  const p = ctx.params;
  if (p.run_fsck === "no" || (spec.kind !== "block" && spec.kind !== "tag")) return;
  if (p.run_fsck === "auto" && NO_AUTO_FSCK.test(p.fstype)) return;
  const dev = spec.kind === "tag" ? resolveTag(spec) ?? `${spec.tag}=${spec.value}` : spec.path;
  const argv = ["fsck", "-t", p.fstype, "-p", dev];
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity) });
  if (r.timedOut) fail(OCF.ERR_GENERIC, `fsck of ${dev} did not finish before the start deadline`);
  // fsck(8): 1 = errors corrected, 2 = reboot advised; 4 and up = errors left, usage or run error
  if (r.code === null || r.code >= 4) fail(OCF.ERR_GENERIC, `fsck found problems it could not fix: ${describe(argv, r)}`);
  if (r.code) ctx.log.warn(`fsck corrected errors on ${dev} (exit ${r.code})`);
}

async function step(ctx: FsCtx, argv: string[], what: string) {
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity) });
  if (r.timedOut) fail(OCF.ERR_GENERIC, `${what}: no answer before the start deadline (hung filesystem?)`);
  if (r.code !== 0) fail(OCF.ERR_GENERIC, `${what} failed: ${describe(argv, r)}`);
}
