import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { PATH } from "../../lib/sh";

/** Every run lives in its own directory here; a crashed run is recognised by its dead owner. */
export const LAB_ROOT = "/tmp/hanfs-lab";

/** Host PID plus its start time: a PID alone may be reused by an unrelated process. */
export interface Proc {
  pid: number;
  start: string;
  what: string;
}

export function startTime(pid: number): string | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export const sameProc = (p: Proc) => startTime(p.pid) === p.start;

/** Alive and not a zombie. */
export function running(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * A run: unique id (also the prefix of every name it creates), its directory, and a registry of the
 * host processes and loop devices it made, kept on disk so that a later run can clean up after a
 * run whose process was SIGKILLed before its exit hook could.
 */
export class Run {
  readonly id: string;
  readonly dir: string;
  /** every host process the run started (also on disk, for stale-run cleanup) */
  readonly procs: Proc[] = [];
  constructor() {
    this.id = `hl${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
    this.dir = join(LAB_ROOT, this.id);
    reapStale();
    // recursive: a concurrent run's cleanup may remove an empty LAB_ROOT at any moment
    for (let i = 0; ; i++) {
      try {
        mkdirSync(this.dir, { recursive: true, mode: 0o755 });
        break;
      } catch (e) {
        if (i > 5) throw e;
      }
    }
    writeFileSync(join(this.dir, "owner"), JSON.stringify({ pid: process.pid, start: startTime(process.pid) }));
    live.add(this);
    hookOnce();
  }

  track(pid: number, what: string): Proc {
    const p = { pid, start: startTime(pid) ?? "?", what };
    this.procs.push(p);
    appendFileSync(join(this.dir, "procs"), JSON.stringify(p) + "\n");
    return p;
  }

  trackLoop(dev: string) {
    appendFileSync(join(this.dir, "loops"), dev + "\n");
  }

  /** Synchronous teardown (also the last resort of the exit hook): kill, detach, delete. */
  destroySync() {
    live.delete(this);
    destroyDirSync(this.dir);
  }
}

const live = new Set<Run>();
let hooked = false;

/** One exit hook for all runs of this process: whatever down() did not finish is undone here. */
function hookOnce() {
  if (hooked) return;
  hooked = true;
  const all = () => [...live].forEach((r) => r.destroySync());
  process.on("exit", all);
  for (const [sig, n] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]] as const) {
    process.on(sig, () => {
      all();
      process.exit(128 + n);
    });
  }
}

function lines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Kill the run's registered processes (SIGKILL, by PID and start time), detach its loops, remove its dir. */
export function destroyDirSync(dir: string) {
  if (!existsSync(dir)) return;
  const procs = lines(join(dir, "procs")).map((l) => JSON.parse(l) as Proc);
  for (const p of procs) {
    if (sameProc(p)) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
  // a pid namespace dies only after all its members: wait (bounded) before detaching loops
  const end = Date.now() + 5000;
  while (procs.some((p) => sameProc(p) && running(p.pid)) && Date.now() < end) spawnSync("sleep", ["0.05"]);
  for (const dev of lines(join(dir, "loops"))) detachLoopSync(dev, dir);
  // never delete through a mount point
  if (readFileSync("/proc/self/mountinfo", "utf8").includes(dir)) return;
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(LAB_ROOT);
  } catch {
    /* other runs still there */
  }
}

/** Detach a loop device only if it is still backed by a file of this run (device numbers get reused). */
export function detachLoopSync(dev: string, dir: string) {
  const name = dev.replace("/dev/", "");
  let backing = "";
  try {
    backing = readFileSync(`/sys/block/${name}/loop/backing_file`, "utf8").trim();
  } catch {
    return;
  }
  if (!backing.startsWith(dir + "/")) return;
  spawnSync("losetup", ["-d", dev], { env: { PATH }, timeout: 10_000 });
}

/** Clean up runs whose owner process is gone (SIGKILLed harness, crashed worker). */
export function reapStale() {
  let entries: string[] = [];
  try {
    entries = readdirSync(LAB_ROOT);
  } catch {
    return;
  }
  for (const e of entries) {
    const dir = join(LAB_ROOT, e);
    let owner: { pid: number; start: string } | undefined;
    try {
      owner = JSON.parse(readFileSync(join(dir, "owner"), "utf8"));
    } catch {
      /* no owner yet: being created right now, or half-created long ago */
      if (Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000) continue;
    }
    // a zombie owner (killed, not yet reaped by its parent) will never clean up either
    if (owner && startTime(owner.pid) === owner.start && running(owner.pid)) continue;
    destroyDirSync(dir);
  }
}
