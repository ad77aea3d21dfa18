import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** Write a file so that readers see the old or the new content, never a torn one. */
export function writeAtomic(file: string, text: string, mode = 0o644) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** Remove a node-local file if it is there; false when that failed (the path is not a directory's, ...). */
export function removeFile(file: string): boolean {
  try {
    rmSync(file, { force: true });
    return true;
  } catch {
    return false;
  }
}

/** A file's text, or undefined when it cannot be read (local files only: this blocks). */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** A file holding one number (/proc, /sys), or undefined. */
export function readNum(file: string): number | undefined {
  const t = readText(file)?.trim();
  const n = t ? Number(t) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Where system programs live; agents run with execd's minimal PATH, so we look ourselves. */
export const BIN_DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/** The installed path of a program (below `root`, for tests), or undefined. */
export const which = (prog: string, root = "") => BIN_DIRS.map((d) => `${d}/${prog}`).find((p) => existsSync(root + p));
