import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readText, writeAtomic } from "../os/files";
import { findByComm, pidFromFile, signal } from "../os/procs";

/**
 * The layout of ganesha_run_dir, node-local: what ocf:hanfs:nfsserver (server=ganesha) generates
 * and ocf:hanfs:exportfs adds its EXPORT blocks to. Both agents must agree on it.
 */
export interface GaneshaPaths {
  runDir: string;
  conf: string;
  pidFile: string;
  /** one file per ocf:hanfs:exportfs resource */
  exportsDir: string;
  /** %include list of exportsDir, rebuilt whenever an export changes */
  exportsConf: string;
  /** recovery records: on the shared info dir (nfsserver only; exportfs does not know it) */
  recoveryRoot: string;
}

export function ganeshaPaths(runDir: string, infodir = ""): GaneshaPaths {
  return {
    runDir,
    conf: join(runDir, "ganesha.conf"),
    pidFile: join(runDir, "ganesha.pid"),
    exportsDir: join(runDir, "exports.d"),
    exportsConf: join(runDir, "exports.conf"),
    recoveryRoot: join(infodir || "/var/lib/nfs", "ganesha"),
  };
}

/** Our ganesha: the pid file's process, or (pid file lost) a ganesha.nfsd started with our config. */
export function ganeshaPid(p: GaneshaPaths): number | undefined {
  const pid = pidFromFile(p.pidFile);
  if (pid !== undefined && runsConf(pid, p)) return pid;
  for (const other of findByComm(["ganesha.nfsd"]).get("ganesha.nfsd") ?? []) if (runsConf(other, p)) return other;
  return undefined;
}

const runsConf = (pid: number, p: GaneshaPaths) => (readText(`/proc/${pid}/cmdline`) ?? "").split("\0").includes(p.conf);

/** exports.conf = one %include per exports.d/*.conf, sorted so every node builds the same file. */
export function rebuildExports(p: GaneshaPaths) {
  mkdirSync(p.exportsDir, { recursive: true });
  const files = readdirSync(p.exportsDir).filter((f) => f.endsWith(".conf")).sort();
  writeAtomic(p.exportsConf, files.map((f) => `%include "${join(p.exportsDir, f)}"\n`).join(""));
}

/** ganesha re-reads its EXPORT blocks on SIGHUP (adds, updates, removes). False: not running. */
export function reloadExports(p: GaneshaPaths): boolean {
  const pid = ganeshaPid(p);
  return pid !== undefined && signal(pid, "SIGHUP");
}
