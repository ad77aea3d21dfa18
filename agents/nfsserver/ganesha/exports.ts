import { mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pidFromFile, signal } from "../../../src/os/procs";
import type { GaneshaPaths } from "./paths";

/** Write a file so that readers see the old or the new content, never a torn one. */
export function writeAtomic(file: string, text: string, mode = 0o644) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

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
