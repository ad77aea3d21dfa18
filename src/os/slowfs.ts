import { run, type RunResult } from "./exec";
import { devString } from "./mountinfo";

/**
 * File system calls on storage that may hang: the shared disk (info dir, exported directories,
 * bind sources), NFS, FUSE. Each is made by a coreutils child with a time limit, never in-process:
 * a synchronous call freezes the event loop (neither the deadline nor the watchdog can fire), and
 * an asynchronous one leaves a libuv pool thread stuck that process.exit() then waits for
 * (measured with Node 20 and 22: the agent never exits). A child is killed with its process group
 * and abandoned instead, so the caller answers before its deadline on any JavaScript runtime.
 *
 * Every function takes its time limit in ms last and throws SlowFsError: `hung` when the
 * filesystem did not answer in time, else the tool's own complaint (permission, not a directory).
 */
export class SlowFsError extends Error {
  constructor(
    message: string,
    readonly hung: boolean,
  ) {
    super(message);
  }
}

const lastLine = (r: RunResult) => (r.stderr || r.stdout).trim().split("\n").pop() ?? "";

async function call(argv: string[], what: string, ms: number, input?: string | Buffer): Promise<RunResult> {
  const r = await run(argv, { timeoutMs: Math.max(1, ms), input });
  if (r.timedOut) throw new SlowFsError(`${what}: no answer from the filesystem before the deadline (hung?)`, true);
  if (r.error) throw new SlowFsError(`${what}: ${r.error.code === "ENOENT" ? `${argv[0]} is not installed` : r.error.message}`, false);
  return r;
}

const failed = (what: string, r: RunResult) => new SlowFsError(`${what} failed: ${lastLine(r) || `exit ${r.code}`}`, false);

export interface PathStat {
  /** "major:minor" of the filesystem the path is on (as mountinfo prints it) */
  dev: string;
  ino: number;
  isDir: boolean;
}

/**
 * stat (following symlinks) of each path; one child for all. A path that does not exist (or
 * cannot be looked up) is missing from the result; its error is in `errors`.
 */
export async function statPaths(paths: string[], ms: number): Promise<{ found: Map<string, PathStat>; errors: string[] }> {
  const r = await call(["stat", "-L", "--printf", "%d %i %f %n\\0", "--", ...paths], `stat ${paths.join(" ")}`, ms);
  const found = new Map<string, PathStat>();
  for (const rec of r.stdout.split("\0")) {
    const m = /^(\d+) (\d+) ([0-9a-f]+) ([\s\S]*)$/.exec(rec);
    if (m) found.set(m[4], { dev: devString(Number(m[1])), ino: Number(m[2]), isDir: (parseInt(m[3], 16) & 0o170000) === 0o040000 });
  }
  return { found, errors: r.stderr.trim() ? r.stderr.trim().split("\n") : [] };
}

/** A path's stat, or undefined when it does not exist. */
export async function statPath(path: string, ms: number): Promise<PathStat | undefined> {
  const { found, errors } = await statPaths([path], ms);
  const st = found.get(path);
  if (!st && errors.length && !/No such file or directory/.test(errors[0])) throw new SlowFsError(errors[0].replace(/^stat: /, ""), false);
  return st;
}

/** A file's text; undefined when it does not exist. */
export async function readFileText(path: string, ms: number): Promise<string | undefined> {
  const r = await call(["cat", "--", path], `read of ${path}`, ms);
  if (r.code === 0) return r.stdout;
  if (/No such file or directory/.test(r.stderr)) return undefined;
  throw failed(`read of ${path}`, r);
}

/** Replace a file's content (created when missing). */
export async function writeFileText(path: string, text: string, ms: number): Promise<void> {
  const r = await call(["dd", `of=${path}`, "status=none"], `write of ${path}`, ms, text);
  if (r.code !== 0) throw failed(`write of ${path}`, r);
}

/** Append to a file (created when missing). */
export async function appendFileText(path: string, text: string, ms: number): Promise<void> {
  const r = await call(["dd", `of=${path}`, "oflag=append", "conv=notrunc", "status=none"], `append to ${path}`, ms, text);
  if (r.code !== 0) throw failed(`append to ${path}`, r);
}

/** Create a file with `content` only if it does not exist yet; false when it did. */
export async function createFile(path: string, content: string | Buffer, ms: number): Promise<boolean> {
  const r = await call(["dd", `of=${path}`, "conv=excl", "status=none"], `creation of ${path}`, ms, content);
  if (r.code === 0) return true;
  if (/File exists/.test(r.stderr)) return false;
  throw failed(`creation of ${path}`, r);
}

/** mkdir -p of every path. */
export async function makeDirs(paths: string[], ms: number): Promise<void> {
  const r = await call(["mkdir", "-p", "--", ...paths], `mkdir ${paths.join(" ")}`, ms);
  if (r.code !== 0) throw failed(`mkdir ${paths.join(" ")}`, r);
}

/** chown of every path to a numeric user. */
export async function chownPaths(uid: number, paths: string[], ms: number): Promise<void> {
  const r = await call(["chown", "--", String(uid), ...paths], `chown ${paths.join(" ")}`, ms);
  if (r.code !== 0) throw failed(`chown ${paths.join(" ")}`, r);
}

/** `dir` with every symlink resolved (realpath -m: components that do not exist are kept as written). */
export async function realPath(dir: string, ms: number): Promise<string> {
  const r = await call(["realpath", "-m", "-z", "--", dir], `resolving ${dir}`, ms);
  if (r.code !== 0) throw failed(`resolving ${dir}`, r);
  return r.stdout.replace(/\0$/, "");
}

/** The target of `path` when it is a symbolic link; undefined when it is not one or does not exist. */
export async function readLink(path: string, ms: number): Promise<string | undefined> {
  const r = await call(["readlink", "-z", "--", path], `readlink ${path}`, ms);
  return r.code === 0 ? r.stdout.replace(/\0$/, "") : undefined;
}
