import { readFileSync, readdirSync } from "node:fs";

/** A process as /proc/<pid>/stat shows it. State: R running, S sleeping, D disk wait, T stopped, Z zombie. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** start time in clock ticks since boot (field 22): a pid plus this names one process for good */
  start: string;
}

export function procStat(pid: number, proc = "/proc"): ProcStat | undefined {
  try {
    const s = readFileSync(`${proc}/${pid}/stat`, "utf8");
    const open = s.indexOf("(");
    const close = s.lastIndexOf(")");
    const rest = s.slice(close + 2).split(" ");
    return { pid, comm: s.slice(open + 1, close), state: rest[0], ppid: Number(rest[1]), start: rest[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** Running (a zombie has exited already, it only waits for its parent). */
export const alive = (pid: number, proc = "/proc") => {
  const st = procStat(pid, proc);
  return !!st && st.state !== "Z" && st.state !== "X";
};

/** The pid in a pid file, if the file holds one and that process runs. */
export function pidFromFile(file: string, proc = "/proc"): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const m = /^\s*(\d+)\s*$/.exec(text);
  const pid = m ? Number(m[1]) : 0;
  return pid > 1 && alive(pid, proc) ? pid : undefined;
}

/** The PIDs in a /proc directory (a snapshot: processes come and go while the caller looks). */
export function pids(proc = "/proc"): number[] {
  try {
    return readdirSync(proc)
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
}

/** Live processes whose comm (the kernel's 15-char name) is one of `names`; one /proc walk, no ps. */
export function findByComm(names: string[], proc = "/proc"): Map<string, number[]> {
  const want = new Set(names.map((n) => n.slice(0, 15)));
  const out = new Map<string, number[]>();
  for (const pid of pids(proc)) {
    const st = procStat(pid, proc);
    if (!st || !want.has(st.comm) || st.state === "Z") continue;
    const l = out.get(st.comm) ?? [];
    l.push(st.pid);
    out.set(st.comm, l);
  }
  return out;
}

/** Send a signal; false when the process is gone. */
export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** A process's state in words, for reasons ("stopped (SIGSTOP)", "in uninterruptible I/O"). */
export function stateText(pid: number, proc = "/proc"): string {
  const st = procStat(pid, proc);
  if (!st) return "gone";
  return ({ T: "stopped (SIGSTOP)", t: "stopped by a tracer", D: "in uninterruptible I/O", Z: "a zombie" } as Record<string, string>)[st.state] ?? `state ${st.state}`;
}

/** The process's start time (clock ticks since boot): with the PID, names one process for good. */
export function startTime(pid: number, proc = "/proc"): string | undefined {
  try {
    const s = readFileSync(`${proc}/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
