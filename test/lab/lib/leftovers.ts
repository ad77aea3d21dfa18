import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LAB_ROOT, running, sameProc, startTime, type Proc } from "./run";

/** What the host looks like, in the places a lab run could leave something behind. */
export interface HostSnapshot {
  netns: string[];
  mounts: string[];
  loops: string[];
  files: string[];
  runs: string[];
}

function list(dir: string, depth: number): string[] {
  let out: string[] = [];
  let ents;
  try {
    ents = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of ents) {
    const p = join(dir, e.name);
    out.push(p);
    if (depth > 1 && e.isDirectory() && !e.isSymbolicLink()) out = out.concat(list(p, depth - 1));
  }
  return out;
}

export function snapshot(): HostSnapshot {
  const loops = readdirSync("/sys/block")
    .filter((d) => d.startsWith("loop"))
    .flatMap((d) => {
      try {
        return [`/dev/${d} ${readFileSync(`/sys/block/${d}/loop/backing_file`, "utf8").trim()}`];
      } catch {
        return [];
      }
    });
  return {
    netns: list("/run/netns", 1),
    // mount point and source of every host mount (ids change, these do not)
    mounts: readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" "))
      .map((f) => `${f[4]} ${f[f.indexOf("-") + 2]}`),
    loops,
    files: [...list("/dev/shm", 3), ...list("/run", 2), ...list("/var/lib/pacemaker", 4)],
    runs: list(LAB_ROOT, 1),
  };
}

/**
 * Could this leftover be the lab's? Other engineers' tests share the host (their loop devices and
 * mounts come and go), so only entries that look like ours fail a check; the rest is reported.
 * Ours: run paths and ids, libqb IPC files, Corosync/Pacemaker state, the mount points and
 * overlays nodes use, and the canaries the hygiene test writes inside nodes.
 */
export const looksOurs = (entry: string) => /hanfs-lab|(^|[/ -])hl[0-9a-z]{6,}|qb-|corosync|pacemaker|cib|pengine|fence|^\/srv |\/usr\/(lib|sbin) overlay/.test(entry);

/** Entries present now but not before, per category. */
export function added(before: HostSnapshot, after: HostSnapshot): Partial<HostSnapshot> {
  const out: Partial<HostSnapshot> = {};
  for (const k of Object.keys(after) as (keyof HostSnapshot)[]) {
    const b = new Set(before[k]);
    const extra = after[k].filter((x) => !b.has(x));
    if (extra.length) out[k] = extra;
  }
  return out;
}

/** Ids of runs whose owner process is still alive (possibly another harness using the lab now). */
export function liveRuns(): string[] {
  return list(LAB_ROOT, 1).flatMap((dir) => {
    try {
      const o = JSON.parse(readFileSync(join(dir, "owner"), "utf8"));
      return startTime(o.pid) === o.start ? [dir.slice(LAB_ROOT.length + 1)] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Host processes that are still the lab's: any of `procs` (PID + start time), any process whose
 * mount table shows one of the runs' directories, i.e. that lives in (a copy of) a node's mount
 * namespace, or whose command line names one (a VM's QEMU). Namespace inode numbers are no proof:
 * the kernel reuses them for other namespaces.
 */
export function labProcesses(procs: Proc[], runDirs: string[]): string[] {
  const out = procs.filter((p) => sameProc(p) && running(p.pid)).map((p) => `${p.pid}: ${p.what}`);
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const mi = readFileSync(`/proc/${d}/mountinfo`, "utf8");
      const argv = readFileSync(`/proc/${d}/cmdline`, "utf8");
      if (runDirs.some((r) => mi.includes(r + "-run ") || mi.includes(r + "/") || argv.includes(r + "/"))) out.push(`${d}: ${readFileSync(`/proc/${d}/comm`, "utf8").trim()}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
