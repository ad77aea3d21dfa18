import type { Deadline } from "../ocf/deadline";
import { createLogger, type Level, type Logger } from "../ocf/log";
import { killChildren } from "../os/exec";
import { writeErr, writeOut } from "../os/runtime";
import { clip } from "../text";

/**
 * What every program of the binary shares, OCF agents and helpers alike: a deadline with a
 * watchdog behind it, a logger, exactly one reason line for a failure, no stack trace ever (an
 * error thrown from a stream or timer callback too). The OCF specifics live in ocf/runtime.ts.
 */

/** Thrown to end a program with an exit code and a one-line reason. */
export class ExitError extends Error {
  constructor(readonly code: number, reason: string) {
    super(reason);
  }
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}
/** fd 1 and 2, written synchronously: nothing is lost to process.exit() (os/runtime.ts writeAll) */
export const stdio: Io = { out: writeOut, err: writeErr };

/** Leave the process: children still running (their own process groups) go first. */
export function exit(code: number): never {
  killChildren();
  process.exit(code);
}

/** What a running program gets from the runtime. */
export interface Session {
  deadline: Deadline;
  log: Logger;
}

export interface RunSpec {
  /** log tag, e.g. "Filesystem(fs1)" */
  tag: string;
  env: NodeJS.ProcessEnv;
  io: Io;
  /** "syslog": ocf_log-style (syslog, HA_LOGFILE, warnings on stderr); "stderr": warnings and errors on stderr only */
  log: "syslog" | "stderr";
  deadline: Deadline;
  /** the watchdog fires this long after the deadline: the program's last chance to report */
  graceMs: number;
  /** the one reason line as written to stderr (newline included) */
  reasonLine: (reason: string) => string;
  /** level at which a reason is also logged (syslog programs) */
  levelOf: (code: number) => Level;
  /** exit code for a crash or a program that overran its deadline */
  failCode: number;
  /** reason when the watchdog fires */
  overrun: string;
  /** words before a crash message, e.g. "internal error in monitor" */
  crashWhat: string;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A logger that writes only warnings and errors, to stderr (programs whose caller reads stderr). */
function stderrLogger(io: Io): Logger {
  const say = (label: string) => (m: string) => io.err(`${label}: ${m.replace(/[\r\n]+/g, " ")}\n`);
  const none = () => {};
  return { debug: none, info: none, warn: say("WARNING"), err: say("ERROR"), crit: say("CRIT"), flush: async () => {} };
}

/** Run `body` under the spec: the returned or thrown code is the exit code. */
export async function runBounded(spec: RunSpec, body: (s: Session) => Promise<number> | number): Promise<number> {
  const { io } = spec;
  const log = spec.log === "syslog" ? createLogger(spec.tag, spec.env, io.err) : stderrLogger(io);
  const finish = async (code: number, why?: string) => {
    // a reason quoting a long command line or path: the log line stays readable and small
    const reason = why && clip(why, 1000);
    if (reason) {
      if (spec.log === "syslog") log[spec.levelOf(code)](reason);
      io.err(spec.reasonLine(reason));
    }
    await log.flush();
    return code;
  };

  const crash = (e: unknown) => {
    io.err(spec.reasonLine(clip(`${spec.crashWhat}: ${message(e)}`, 1000)));
    exit(spec.failCode);
  };
  if (io === stdio) {
    process.on("uncaughtException", crash);
    process.on("unhandledRejection", crash);
  }
  // Last line of defence: a program that overruns its own deadline still reports before it is killed.
  const watchdog = setTimeout(() => {
    io.err(spec.reasonLine(spec.overrun));
    exit(spec.failCode);
  }, spec.deadline.remaining() + spec.graceMs);
  watchdog.unref();

  try {
    return await finish(await body({ deadline: spec.deadline, log }));
  } catch (e) {
    if (e instanceof ExitError) return finish(e.code, e.message);
    return finish(spec.failCode, `${spec.crashWhat}: ${message(e)}`);
  } finally {
    clearTimeout(watchdog);
  }
}
