import type { ChildProcess } from "node:child_process";
import { childProcess } from "./lazy";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** the child was still running at the time limit; its process group got SIGKILL and was left behind */
  timedOut: boolean;
  /** spawn itself failed (ENOENT: the program is not installed) */
  error?: NodeJS.ErrnoException;
}

export interface RunOpts {
  timeoutMs: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const DEFAULT_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Children that have not exited yet, by PID (= their process group: each leads its own). A child
 * in its own group escapes the SIGKILL that pacemaker-execd sends to our group, so whatever is
 * still here when we exit is killed by killChildren(), group and all.
 */
const live = new Set<number>();

const killGroup = (pid: number) => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    /* gone already */
  }
};

function spawnGroup(argv: string[], stdio: ("ignore" | "pipe")[], env: NodeJS.ProcessEnv | undefined, cwd: string | undefined): ChildProcess {
  const child = childProcess().spawn(argv[0], argv.slice(1), {
    stdio,
    env: env ?? { PATH: process.env.PATH || DEFAULT_PATH, LC_ALL: "C" },
    cwd: cwd ?? "/",
    // its own process group: a timeout kills what it forked too (fsck.ext4 under fsck, mount helpers)
    detached: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    live.add(pid);
    child.on("exit", () => live.delete(pid));
  }
  return child;
}

/**
 * Run a program from an argv array (never a shell) with a hard time limit. On expiry the child's
 * process group is SIGKILLed and we resolve at once without waiting for it: a process stuck in
 * uninterruptible I/O (a hung device) cannot be reaped, and the caller must still answer before
 * its deadline.
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
    const child = spawnGroup(argv, [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], opts.env, opts.cwd);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        killGroup(child.pid);
        live.delete(child.pid);
      }
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

/** A background helper that lives while the action needs it (its own group, no output kept). */
export interface Helper {
  pid: number | undefined;
  /** SIGKILL to its process group */
  kill(): void;
}

/** Start a helper; it is killed with its group by kill(), or by killChildren() when we exit. */
export function startHelper(argv: string[], env?: NodeJS.ProcessEnv): Helper {
  const child = spawnGroup(argv, ["ignore", "ignore", "ignore"], env, undefined);
  child.on("error", () => {});
  child.unref();
  return {
    pid: child.pid,
    kill() {
      if (child.pid === undefined) return;
      killGroup(child.pid);
      live.delete(child.pid);
    },
  };
}

/** SIGKILL the process group of every child that is still running: called on every way out. */
export function killChildren() {
  for (const pid of live) killGroup(pid);
  live.clear();
}

/** One line describing how a command ended, for exit reasons. */
export function describe(argv: string[], r: RunResult): string {
  const cmd = argv.join(" ");
  if (r.error) return `${cmd}: ${r.error.code === "ENOENT" ? "not installed" : r.error.message}`;
  if (r.timedOut) return `${cmd}: no answer within its time limit`;
  const tail = (r.stderr || r.stdout).trim().split("\n").pop() ?? "";
  return `${cmd}: ${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}${tail ? `: ${tail}` : ""}`;
}
