import { spawn } from "node:child_process";

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ShOpts {
  /** hard limit; on expiry the whole process group gets SIGKILL */
  timeout?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** throw unless the exit code is 0 (default true) */
  check?: boolean;
}

export const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Run argv on the host, never through a shell, with a deadline. The child leads its own process
 * group so a timeout also kills what it forked (nsenter's child lives in the node's pid namespace
 * but stays in this group).
 */
export function sh(argv: string[], o: ShOpts = {}): Promise<Result> {
  const timeout = o.timeout ?? 30_000;
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const child = spawn(argv[0], argv.slice(1), {
      stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: o.env ?? { PATH, LANG: "C.UTF-8" },
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, timeout);
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(" ")}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const r = { code, stdout, stderr, timedOut };
      if ((o.check ?? true) && code !== 0) {
        const why = timedOut ? `timed out after ${timeout} ms` : `exit ${code}`;
        reject(new Error(`${argv.join(" ")}: ${why}\n${stderr.trim() || stdout.trim()}`.slice(0, 4000)));
      } else resolve(r);
    });
    if (o.input !== undefined) child.stdin!.end(o.input);
  });
}

/** Thrown by an `until` probe to stop waiting at once. */
export class Fatal extends Error {}

/** Poll `probe` until it returns something other than undefined/false, or throw at the deadline. */
export async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined | false> | T | undefined | false, everyMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    if (Date.now() >= end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
