import { promises } from "node:fs";
import { OCF, fail } from "../../src/ocf/codes";
import { describe, run } from "../../src/os/exec";
import { isBelow, readMounts, topMountAt } from "../../src/os/mountinfo";
import { deviceSpec, mountMatches, stateFile, type FsCtx } from "./common";
import { resolveTag, type DeviceSpec } from "./device";
import { checkEnvironment } from "./validate";

/** fstypes `run_fsck=auto` leaves alone: journalled or not checkable by fsck -p. */
const NO_AUTO_FSCK = /^(ext3|ext4|reiserfs|reiser4|nss|xfs|jfs|btrfs|vfat|fat|exfat|ocfs2|gfs2|none|lustre|tmpfs|ramfs|f2fs|zfs)$/;

// fs.promises, read when called: node:util's promisify would be loaded by every monitor (~3 ms under Bun)
const mkdirP = (path: string, o: { recursive: true }) => promises.mkdir(path, o);
const writeFileP = (path: string, data: string) => promises.writeFile(path, data);

export async function start(ctx: FsCtx): Promise<number> {
  const p = ctx.params;
  const spec = deviceSpec(ctx);
  checkEnvironment(ctx, spec);
  let mounts = readMounts();
  const top = topMountAt(mounts, p.directory);
  if (top) {
    if (mountMatches(top, spec)) {
      ctx.log.info(`${p.device} is already mounted on ${p.directory}`);
      return OCF.SUCCESS;
    }
    fail(OCF.ERR_GENERIC, `${p.directory} already has ${top.source} (${top.fstype}) mounted; refusing to mount over it`);
  }
  const below = mounts.filter((m) => m.mountpoint !== p.directory && isBelow(m.mountpoint, p.directory));
  if (below.length) fail(OCF.ERR_CONFIGURED, `something is already mounted below ${p.directory} (${below[0].mountpoint}); refusing to hide it`);

  await withDeadline(ctx, mkdirP(p.directory, { recursive: true }), `mkdir ${p.directory}`);
  await fsck(ctx, spec);

  const argv = mountArgv(p.device, p.directory, p.fstype, p.options, spec);
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(Infinity) });
  if (r.code !== 0) fail(r.error?.code === "ENOENT" ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `mount failed: ${describe(argv, r)}`);

  mounts = readMounts();
  const now = topMountAt(mounts, p.directory);
  if (!now || !mountMatches(now, spec)) return fail(OCF.ERR_GENERIC, `mount returned 0 but ${p.directory} does not show ${p.device}`);
  if (spec.kind === "tag") await rememberDevice(ctx, spec, now.source);
  ctx.log.info(`mounted ${p.device} on ${p.directory} (${p.fstype})`);
  return OCF.SUCCESS;
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

async function rememberDevice(ctx: FsCtx, spec: DeviceSpec, source: string) {
  if (spec.kind !== "tag" || resolveTag(spec)) return;
  try {
    await mkdirP(stateFile(ctx).replace(/\/[^/]*$/, ""), { recursive: true });
    await writeFileP(stateFile(ctx), source + "\n");
  } catch (e) {
    ctx.log.warn(`cannot record the device behind ${ctx.params.device}: ${(e as Error).message}`);
  }
}

/** Filesystem calls on a path that may sit on a hung mount run in the thread pool, raced with the deadline. */
export async function withDeadline<T>(ctx: FsCtx, p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`${what}: no answer before the deadline`)), ctx.deadline.remaining());
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (e) {
    return fail(OCF.ERR_GENERIC, `${what} failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(t);
  }
}
