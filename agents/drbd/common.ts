import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { idPart } from "../../src/cib/constraints";
import type { DrbdResource } from "../../src/drbd/events2";
import { readEvents2, readProc } from "../../src/drbd/kernel";
import { resourceFromProc } from "../../src/drbd/proc";
import type { StateOpts } from "../../src/drbd/policy";
import { drbdFamily } from "../../src/drbd/version";
import { OCF, fail } from "../../src/ocf/codes";
import type { Ctx } from "../../src/ocf/declare";
import { describe, run, type RunResult } from "../../src/os/exec";
import { writeAtomic } from "../../src/os/files";
import type { DrbdParams } from "./params";

export type DrbdCtx = Ctx<DrbdParams>;
/** What the helpers need of a context: a stop with invalid parameters has only part of the parameters. */
export type DrbdBase = Omit<DrbdCtx, "params"> & { params: Pick<DrbdCtx["params"], "drbd_resource"> & Partial<DrbdCtx["params"]> };

/** One drbdadm/drbdsetup call may take this long at most (and never past the deadline). */
export const CALL_LIMIT_MS = 30_000;
/** events2 answers from the kernel at once; longer means something is stuck. */
const EVENTS2_LIMIT_MS = 15_000;

/** The tools' environment: PATH and the C locale; the test-only overrides (HANFS_PROC_DRBD, CIB_file) pass through. */
export function toolEnv(ctx: Pick<DrbdCtx, "env">): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { PATH: ctx.env.PATH || "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
  for (const k of ["HANFS_PROC_DRBD", "CIB_file"]) if (ctx.env[k]) e[k] = ctx.env[k];
  return e;
}

export interface Call {
  argv: string[];
  r: RunResult;
  ok: boolean;
  /** one line for logs and exit reasons */
  text: string;
}

async function call(ctx: DrbdBase, argv: string[], limitMs = CALL_LIMIT_MS): Promise<Call> {
  ctx.log.debug(`running ${argv.join(" ")}`);
  const r = await run(argv, { timeoutMs: ctx.deadline.cap(limitMs), env: toolEnv(ctx) });
  const ok = r.code === 0;
  const text = describe(argv, r);
  if (!ok) ctx.log.warn(text);
  if (r.error?.code === "ENOENT") fail(OCF.ERR_INSTALLED, `${argv[0]} is not installed (package drbd-utils)`);
  return { argv, r, ok, text };
}

/** drbdadm with the configured drbdconf. */
export const drbdadm = (ctx: DrbdBase, args: string[], limitMs?: number) => call(ctx, ["drbdadm", "-c", ctx.params.drbdconf ?? "/etc/drbd.conf", ...args], limitMs);
/** drbdsetup works on the kernel's objects by name, without the configuration (stop with a broken one). */
export const drbdsetup = (ctx: DrbdBase, args: string[], limitMs?: number) => call(ctx, ["drbdsetup", ...args], limitMs);

/**
 * What this node learned about the resource, kept in HA_RSCTMP (gone with a reboot, like the kernel
 * state): its minors (8.4: which /proc/drbd lines are ours, so the monitor needs no fork), whether the
 * configuration gives this node a disk (8.4 shows a failed disk and `disk none` alike), and whether
 * unfence_if_all_uptodate already ran for the current all-UpToDate period.
 */
export interface DrbdRecord {
  minors: number[];
  diskConfigured?: boolean;
  unfenced?: boolean;
}

export const recordFile = (ctx: DrbdBase) => `${ctx.env.HA_RSCTMP || "/run/resource-agents"}/hanfs-drbd-${idPart(ctx.params.drbd_resource)}.json`;

export function readRecord(ctx: DrbdBase): DrbdRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(recordFile(ctx), "utf8")) as Partial<DrbdRecord>;
    if (!Array.isArray(r.minors) || !r.minors.every((m) => Number.isInteger(m) && m >= 0)) return undefined;
    return { minors: r.minors, diskConfigured: typeof r.diskConfigured === "boolean" ? r.diskConfigured : undefined, unfenced: r.unfenced === true };
  } catch {
    return undefined;
  }
}

/** Merge `change` into the record; writes only when something changed. */
export function updateRecord(ctx: DrbdBase, change: Partial<DrbdRecord>) {
  const old = readRecord(ctx);
  const next: DrbdRecord = { ...(old ?? { minors: [] }), ...change };
  if (old && JSON.stringify(old) === JSON.stringify(next)) return;
  try {
    mkdirSync(dirname(recordFile(ctx)), { recursive: true });
    writeAtomic(recordFile(ctx), JSON.stringify(next) + "\n");
  } catch (e) {
    // only an optimisation (the monitor then asks drbdsetup): never a reason to fail an action
    ctx.log.warn(`cannot write ${recordFile(ctx)}: ${(e as Error).message}`);
  }
}

export const removeRecord = (ctx: DrbdBase) => rmSync(recordFile(ctx), { force: true });

export interface Seen {
  /** the resource as the kernel has it; undefined: not there (down) */
  r: DrbdResource | undefined;
  /** undefined while the module is not loaded */
  family?: "8.4" | "9";
  /** the module is loaded (/proc/drbd exists) */
  loaded: boolean;
  source: "/proc/drbd" | "events2" | "none";
}

export const stateOpts = (ctx: DrbdBase): StateOpts => ({ diskConfigured: readRecord(ctx)?.diskConfigured ?? true });

/**
 * The resource's state. "fast" (recurring monitors on 8.4 with a record): /proc/drbd, no fork, when it
 * answers for certain: every recorded minor configured (running), or none of them there (down).
 * Otherwise, and always on DRBD 9 (whose /proc/drbd has no state) or for "exact" reads (probes,
 * actions), `drbdsetup events2 --now <res>`; what it shows teaches the record the minors.
 */
export async function readState(ctx: DrbdBase, how: "fast" | "exact"): Promise<Seen> {
  const res = ctx.params.drbd_resource;
  const proc = readProc(ctx.env);
  if (!proc) return { r: undefined, loaded: false, source: "none" };
  const family = proc.version && drbdFamily(proc.version);
  const rec = readRecord(ctx);
  if (how === "fast" && family === "8.4" && rec?.minors.length) {
    if (rec.minors.every((m) => !proc.minors.has(m))) return { r: undefined, family, loaded: true, source: "/proc/drbd" };
    const r = resourceFromProc(proc, res, rec.minors);
    if (r) return { r, family, loaded: true, source: "/proc/drbd" };
  }
  const ev = await readEvents2(res, { timeoutMs: ctx.deadline.cap(EVENTS2_LIMIT_MS), env: toolEnv(ctx) });
  if (!ev.ok) return fail(ev.notInstalled ? OCF.ERR_INSTALLED : OCF.ERR_GENERIC, `cannot read the state of ${res}: ${ev.reason}`);
  const minors = ev.resource?.devices.map((d) => d.minor).filter((m): m is number => m !== undefined) ?? [];
  if (family === "8.4" && minors.length && minors.length === ev.resource!.devices.length && minors.join() !== rec?.minors.join()) updateRecord(ctx, { minors });
  return { r: ev.resource, family: family || undefined, loaded: true, source: "events2" };
}

/** "Primary UpToDate/DUnknown WFConnection" for logs. */
export function summary(r: DrbdResource | undefined): string {
  if (!r) return "not configured in the kernel";
  const disks = r.devices.map((d) => d.disk ?? "?").join(",");
  const peers = r.connections.map((c) => `${c.connName ?? c.peerNodeId}:${c.state ?? "?"}/${c.peerRole ?? "?"}`).join(" ");
  const pd = r.peerDevices.map((p) => p.peerDisk ?? "?").join(",");
  return `${r.role ?? "?"} disk ${disks}${pd ? ` peer disk ${pd}` : ""}${peers ? ` ${peers}` : " no connection"}`;
}

/** Bounded pacing between tries of a loop: false when the deadline leaves no room for another try. */
export const pause = (ctx: Pick<DrbdCtx, "deadline">, ms = 1000) => ctx.deadline.remaining() > ms + 500 && ctx.deadline.sleep(ms);
