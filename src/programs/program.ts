import type { Deadline } from "../ocf/deadline";
import type { Level } from "../ocf/log";
import { clip } from "../text";
import { ExitError, type Io, runBounded, type Session, stdio } from "./runtime";

/**
 * A program of the binary that is not an OCF agent (haproxy's external check, DRBD handlers):
 * invoked by its own name with its own argv, environment and exit codes. The declaration is its
 * contract; runProgram() gives it the shared runtime (deadline, watchdog, logger, one reason line).
 */
export interface ProgramDecl<S = unknown, C extends number = number> {
  name: string;
  summary: string;
  /** the environment it reads: variable → meaning (its contract with the caller) */
  env: Readonly<Record<string, string>>;
  /** its exit codes: code → meaning */
  codes: Readonly<Record<C, string>>;
  /** "stderr" when the caller shows stderr (haproxy), "syslog" for programs run in the background */
  log: "syslog" | "stderr";
  /** exit code for a crash or an overrun deadline */
  failCode: C;
  /** level at which a reason is logged (syslog programs); default info for 0, else err. DRBD handlers
   *  need their own: fence-peer's 4 and 7 are successes */
  levelOf?: (code: C) => Level;
  /** syslog facility from the settings (an option of the program); default HA_LOGFACILITY, else daemon */
  facility?: (s: S) => string | undefined;
  /** log tag and subject of the reason line, from argv and environment before anything is checked */
  who(args: string[], env: NodeJS.ProcessEnv): string;
  /** argv and environment → settings; bad input throws ExitError (usage or configuration code) */
  setup(args: string[], env: NodeJS.ProcessEnv): S;
  /** the deadline the program works to, and how long after it the watchdog ends the process */
  limits(s: S): { deadline: Deadline; graceMs: number };
  run(s: S, session: Session): Promise<C> | C;
}

export const defineProgram = <S, C extends number>(p: ProgramDecl<S, C>): ProgramDecl<S, C> => p;

export async function runProgram<S, C extends number>(p: ProgramDecl<S, C>, args: string[], env: NodeJS.ProcessEnv = process.env, io: Io = stdio): Promise<number> {
  // the tag comes from the caller's argv and environment (a DRBD_RESOURCE of 64 KiB, a newline):
  // one short line, or every reason and syslog line would carry it whole
  const who = clip(p.who(args, env).replace(/[\x00-\x1f\x7f]+/g, " "), 200);
  const reasonLine = (r: string) => `${who}: ${r.replace(/[\r\n]+/g, " ")}\n`;
  let s: S;
  try {
    s = p.setup(args, env);
  } catch (e) {
    // bad argv or configuration: one line with the program's own code, nothing else to clean up
    if (e instanceof ExitError) {
      io.err(reasonLine(clip(e.message, 1000)));
      return e.code;
    }
    io.err(reasonLine(clip(`internal error: ${e instanceof Error ? e.message : String(e)}`, 1000)));
    return p.failCode;
  }
  const { deadline, graceMs } = p.limits(s);
  const facility = p.facility?.(s);
  return runBounded(
    {
      tag: who,
      env: facility ? { ...env, HA_LOGFACILITY: facility } : env,
      io,
      log: p.log,
      deadline,
      graceMs,
      reasonLine,
      levelOf: (code) => (p.levelOf ? p.levelOf(code as C) : code === 0 ? "info" : "err"),
      failCode: p.failCode,
      overrun: `internal deadline ${deadline.totalMs + graceMs} ms passed`,
      crashWhat: "internal error",
    },
    (session) => p.run(s, session),
  );
}
