import { mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../../../src/os/files";
import { pidFromFile, signal } from "../../../src/os/procs";
import type { GaneshaPaths } from "./paths";

export { writeAtomic };

/** exports.conf = one %include per exports.d/*.conf, sorted so every node builds the same file. */
export function rebuildExports(p: GaneshaPaths) {
  mkdirSync(p.exportsDir, { recursive: true });
  const files = readdirSync(p.exportsDir).filter((f) => f.endsWith(".conf")).sort();
  writeAtomic(p.exportsConf, files.map((f) => `%include "${join(p.exportsDir, f)}"\n`).join(""));
}

/** ganesha re-reads its EXPORT blocks on SIGHUP (adds, updates, removes). False: not running. */
export function reloadExports(p: GaneshaPaths): boolean {
  const pid = pidFromFile(p.pidFile);
  return pid !== undefined && signal(pid, "SIGHUP");
}

/**
 * Serialise changes to exports.d/exports.conf between concurrent agents (mkdir is atomic). A lock
 * older than 30 s belongs to an agent that was killed: taken over. Bounded by `until`.
 */
export async function withExportsLock<T>(p: GaneshaPaths, until: (f: () => true | undefined) => Promise<true | undefined>, fn: () => T): Promise<T> {
  const lock = join(p.runDir, "exports.lock");
  mkdirSync(p.runDir, { recursive: true });
  const got = await until(() => {
    try {
      mkdirSync(lock);
      return true;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock);
      } catch {
        /* released meanwhile */
      }
      return undefined;
    }
  });
  if (!got) throw new Error(`${lock} is held by another agent`);
  try {
    return fn();
  } finally {
    rmdirSync(lock);
  }
}
