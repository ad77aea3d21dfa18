import { readFileSync } from "node:fs";
import { findByComm, pidFromFile, procStat } from "../../../src/os/procs";
import type { GaneshaPaths } from "./paths";

/** Our ganesha: the pid file's process, or (pid file lost) a ganesha.nfsd started with our config. */
export function ganeshaPid(p: GaneshaPaths): number | undefined {
  const pid = pidFromFile(p.pidFile);
  if (pid !== undefined && isOurs(pid, p)) return pid;
  for (const other of findByComm(["ganesha.nfsd"]).get("ganesha.nfsd") ?? []) if (isOurs(other, p)) return other;
  return undefined;
}

function isOurs(pid: number, p: GaneshaPaths): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(p.conf);
  } catch {
    return false;
  }
}

export function stateText(pid: number): string {
  const st = procStat(pid);
  if (!st) return "gone";
  return { T: "stopped (SIGSTOP)", t: "stopped by a tracer", D: "in uninterruptible I/O", Z: "a zombie" }[st.state] ?? `state ${st.state}`;
}
