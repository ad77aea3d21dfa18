import { childProcess } from "./lazy";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** the child was still running at the time limit; it got SIGKILL and was left behind */
  timedOut: boolean;
  /** spawn itself failed (ENOENT: the program is not installed) */
  error?: NodeJS.ErrnoException;
}

export interface RunOpts {
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Run a program from an argv array (never a shell) with a hard time limit. On expiry the child is
 * SIGKILLed and we resolve at once without waiting for it: a process stuck in uninterruptible I/O
 * (a hung device) cannot be reaped, and the caller must still answer before its deadline.
 */
export function run(argv: string[], opts: RunOpts): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let settled = false;
    const done = (r: Omit<RunResult, "stdout" | "stderr">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, stdout, stderr });
    };
    const child = childProcess().spawn(argv[0], argv.slice(1), {
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: opts.env ?? { PATH: process.env.PATH || "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
      cwd: opts.cwd ?? "/",
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      child.unref();
      child.stdout?.destroy();
      child.stderr?.destroy();
      done({ code: null, signal: null, timedOut: true });
    }, Math.max(1, opts.timeoutMs));
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", (error: NodeJS.ErrnoException) => done({ code: null, signal: null, timedOut: false, error }));
    child.on("close", (code, signal) => done({ code, signal, timedOut: false }));
    if (opts.input !== undefined) {
      // a child that exits before reading its input (dd refusing a path) must not crash us with EPIPE
      child.stdin!.on("error", () => {});
      child.stdin!.end(opts.input);
    }
  });
}

/** One line describing how a command ended, for exit reasons. */
export function describe(argv: string[], r: RunResult): string {
  const cmd = argv.join(" ");
  if (r.error) return `${cmd}: ${r.error.code === "ENOENT" ? "not installed" : r.error.message}`;
  if (r.timedOut) return `${cmd}: no answer within its time limit`;
  const tail = (r.stderr || r.stdout).trim().split("\n").pop() ?? "";
  return `${cmd}: ${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}${tail ? `: ${tail}` : ""}`;
}
