import { run } from "../../src/os/exec";

/**
 * The one way tests run a program: the product's own run() (argv, never a shell; the child leads
 * its own process group and a timeout SIGKILLs the group, so nsenter's children go too), with a
 * clean environment, the elapsed time, and by default an error unless it exits 0.
 */
export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface ShOpts {
  /** hard limit; on expiry the whole process group gets SIGKILL */
  timeout?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** working directory (default: this process's) */
  cwd?: string;
  /** throw unless the exit code is 0 (default true) */
  check?: boolean;
}

export const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export async function sh(argv: string[], o: ShOpts = {}): Promise<Result> {
  const timeout = o.timeout ?? 30_000;
  const t0 = Date.now();
  const r = await run(argv, { timeoutMs: timeout, input: o.input, env: o.env ?? { PATH, LANG: "C.UTF-8" }, cwd: o.cwd ?? process.cwd() });
  const res: Result = { code: r.code, stdout: r.stdout, stderr: r.error ? `${r.stderr}${r.error.message}` : r.stderr, timedOut: r.timedOut, ms: Date.now() - t0 };
  if ((o.check ?? true) && res.code !== 0) {
    const why = r.error ? r.error.message : r.timedOut ? `timed out after ${timeout} ms` : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
    throw new Error(`${argv.join(" ")}: ${why}\n${res.stderr.trim() || res.stdout.trim()}`.slice(0, 4000));
  }
  return res;
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
