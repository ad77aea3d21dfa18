import { renameSync, writeFileSync } from "node:fs";

/** Write a file so that readers see the old or the new content, never a torn one. */
export function writeAtomic(file: string, text: string, mode = 0o644) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}
