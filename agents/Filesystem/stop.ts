import { OCF, fail } from "../../src/ocf/codes";
import { run } from "../../src/os/exec";
import { findHolders, type Holder } from "../../src/os/holders";
import { readMounts, topMountAt, type Mount } from "../../src/os/mountinfo";
import { alive, signal } from "../../src/os/procs";
import { parseSignalList } from "../../src/os/signals";
import { deviceSpec, isOurs, mountsToRemove } from "./common";
import type { FsCtx } from "./params";
import { NETWORK_FS, type DeviceSpec } from "./device";
import { leftovers, where, type Where } from "./places";
import { removeRecord } from "./record";

/**
 * Unmount, freeing the mount if needed: plain umount first (most stops need nothing else, RA#1907);
 * if busy, find holders in /proc and signal them, term_signals then kill_signals, every wait
 * bounded by the stop deadline. A round in which no holder exits ends the TERM phase early: those
 * holders ignore it, and waiting longer only burns the timeout (the anchor spends 30 rounds here).
 *
 * What is unmounted: our filesystem at the configured path, at the target start recorded (a start
 * that failed after mount(2) leaves one), at the canonical path, and every mount of our block
 * device in this namespace, with whatever is mounted on them. 0 only after a fresh mountinfo shows
 * none of it left.
 */
export async function stop(ctx: FsCtx): Promise<number> {
  const p = ctx.params;
  const spec = deviceSpec(ctx);
  // A block device is found by its number wherever it is mounted, so a mount point that cannot be
  // resolved (hung parent) does not keep stop from its job: the lookup gets half the time at most.
  const w = await where(ctx, spec, "always", { limitMs: ctx.deadline.remaining() / 2 });
  if (w.unresolved) ctx.log.warn(`${w.unresolved}${w.dev ? `; looking for ${p.device} by its device number instead` : ""}`);
  const roots = [...(w.at ? [w.at] : []), ...w.device, ...w.places.flatMap((x) => w.all.filter((m) => m.mountpoint === x && isOurs(m, spec, w.rec)))];
  if (w.foreign && !w.at) ctx.log.warn(`${w.foreign.mountpoint} has ${w.foreign.source} mounted, which is not ${p.device}; leaving it alone`);
  const targets = mountsToRemove(w.all, roots);
  const network = NETWORK_FS.has(p.fstype);
  const term = signalsOf(p.term_signals);
  const kill = signalsOf(p.kill_signals);
  const forceKill = p.force_unmount !== "false" && p.force_unmount !== "no" && p.force_unmount !== "0";
  const termUntil = Date.now() + ctx.deadline.remaining() / 2;
  let phase: "term" | "kill" = "term";
  const sent = { term: 0, kill: 0 };
  let idleRounds = 0;

  let covered: string | undefined;
  for (;;) {
    const left = await unmountAll(ctx, targets, phase === "kill" && network);
    if (!left.length) return verified(ctx, w, spec);
    covered = coveredBy(left, targets);
    if (covered || ctx.deadline.expired()) break;
    const holders = findHolders({ mountpoints: left.map((m) => m.mountpoint), mountIds: new Set(left.map((m) => m.id)) }, new Set([process.pid, process.ppid, 1]));
    if (!holders.length || !forceKill) {
      // busy without a process we can see (kernel user such as an nfsd export, or killing disabled)
      if (!(await ctx.deadline.sleep(holders.length ? p.signal_delay * 1000 || 200 : 200))) break;
      if (!forceKill && Date.now() > termUntil) break;
      continue;
    }
    if (phase === "term" && (Date.now() > termUntil || (p.fast_stop && sent.term >= term.length) || idleRounds >= 2)) phase = "kill";
    // walk the list one signal per round, then keep repeating its last signal
    const list = phase === "term" ? term : kill;
    const sig = list[Math.min(sent[phase]++, list.length - 1)];
    ctx.log.info(`${left[left.length - 1].mountpoint} busy: sending ${sig} to ${holders.length} process(es): ${summary(holders)}`);
    for (const h of holders) signal(h.pid, sig);
    const gone = await waitGone(ctx, holders, p.signal_delay * 1000);
    idleRounds = gone ? 0 : idleRounds + 1;
  }
  const still = readMounts().filter((m) => targets.some((t) => t.id === m.id));
  if (covered) return fail(OCF.ERR_GENERIC, covered);
  const holders = still.length ? findHolders({ mountpoints: still.map((m) => m.mountpoint), mountIds: new Set(still.map((m) => m.id)) }) : [];
  return fail(OCF.ERR_GENERIC, `could not unmount ${still.map((m) => m.mountpoint).join(", ")} before the stop deadline${holders.length ? `; still used by ${summary(holders)}` : ""}`);
}

/** Success only once a fresh read of mountinfo shows nothing of the resource; then the record goes. */
function verified(ctx: FsCtx, w: Where, spec: DeviceSpec): number {
  const left = leftovers(w, spec);
  if (left.length) fail(OCF.ERR_GENERIC, `${ctx.params.device} is still mounted on ${left.map((m) => m.mountpoint).join(", ")} after unmounting`);
  if (w.unresolved && !w.dev) fail(OCF.ERR_GENERIC, `cannot tell whether ${ctx.params.directory} is still mounted: ${w.unresolved}`);
  removeRecord(ctx);
  return OCF.SUCCESS;
}

/**
 * A target with a mount stacked directly on it that is not ours to remove cannot be unmounted by
 * its path (umount takes the top one): say so at once instead of retrying until the deadline.
 */
function coveredBy(left: Mount[], targets: Mount[]): string | undefined {
  const now = readMounts();
  for (const m of left) {
    const top = topMountAt(now, m.mountpoint);
    if (top && top.id !== m.id && !targets.some((t) => t.id === top.id))
      return `${m.mountpoint} (${m.source}) is covered by ${top.source} (${top.fstype}) mounted over it later; not unmounting that`;
  }
  return undefined;
}

function signalsOf(text: string): NodeJS.Signals[] {
  const r = parseSignalList(text);
  return "error" in r ? fail(OCF.ERR_CONFIGURED, `signal list '${text}' ${r.error}`) : r.signals;
}

/** Try to unmount every target still present and on top at its path (deepest first); returns those that remain. */
async function unmountAll(ctx: FsCtx, targets: Mount[], force: boolean): Promise<Mount[]> {
  for (const m of targets) {
    if (topMountAt(readMounts(), m.mountpoint)?.id !== m.id) continue; // gone, or something else on top: umount would hit that
    if (ctx.deadline.expired()) break;
    const r = await run(["umount", ...(force ? ["-f"] : []), m.mountpoint], { timeoutMs: ctx.deadline.cap(Infinity) });
    if (r.code !== 0) ctx.log.debug(`umount ${m.mountpoint}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  const now = readMounts();
  return targets.filter((t) => now.some((m) => m.id === t.id));
}

/** Wait up to `ms` for the signalled holders to exit; true if at least one did. */
async function waitGone(ctx: FsCtx, holders: Holder[], ms: number): Promise<boolean> {
  const all = await ctx.deadline.until(() => (holders.every((h) => !alive(h.pid)) ? true : undefined), 50, Math.max(ms, 50));
  return all === true || holders.some((h) => !alive(h.pid));
}

const summary = (hs: Holder[]) =>
  hs
    .slice(0, 5)
    .map((h) => `${h.pid}/${h.comm} (${h.why})`)
    .join(", ") + (hs.length > 5 ? ` and ${hs.length - 5} more` : "");
