import { OCF, OcfError } from "./codes";
import { deadlineFromEnv } from "./deadline";
import type { AgentDecl, Ctx, ParamDecls } from "./declare";
import { writeErr, writeOut } from "../os/runtime";
import { createLogger } from "./log";
import { metaDataXml } from "./metadata";
import { parseParams } from "./params";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}
const stdio: Io = { out: writeOut, err: writeErr };

/** Actions every agent answers without parameters or a deadline. */
const INFO_ACTIONS = new Set(["meta-data", "usage", "help", "methods"]);

/** Every action the agent answers: the declared ones plus those the runtime provides. */
export function actionNames<P extends ParamDecls>(a: AgentDecl<P>): string[] {
  const names = [...Object.keys(a.actions), ...(a.actions.monitor ? ["status"] : []), "meta-data", "usage", "methods"];
  return names.filter((x, i, l) => l.indexOf(x) === i);
}

export function usage<P extends ParamDecls>(a: AgentDecl<P>): string {
  return `usage: ${a.name} {${actionNames(a).join("|")}}\n`;
}

/** The one-line reason Pacemaker shows in crm_mon: text after the last prefix, one line, ≤ 128 chars used. */
export function exitReason(env: NodeJS.ProcessEnv, reason: string): string {
  const prefix = env.OCF_EXIT_REASON_PREFIX || "ocf-exit-reason:";
  return `${prefix}${reason.replace(/[\r\n]+/g, " ").slice(0, 240)}\n`;
}

/**
 * Run one OCF action of an agent declaration: parse the environment into typed parameters, bound
 * the action by its deadline, map errors to exit codes with an exit reason, never a stack trace.
 */
export async function runAgent<P extends ParamDecls>(
  a: AgentDecl<P>,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: Io = stdio,
): Promise<number> {
  const action = argv[0];
  if (!action) {
    io.err(usage(a));
    return OCF.ERR_ARGS;
  }
  if (action === "meta-data") {
    io.out(metaDataXml(a));
    return OCF.SUCCESS;
  }
  if (action === "usage" || action === "help") {
    io.out(usage(a));
    return OCF.SUCCESS;
  }
  if (action === "methods") {
    io.out(actionNames(a).join("\n") + "\n");
    return OCF.SUCCESS;
  }
  // status is monitor under its LSB-era name
  const decl = a.actions[action] ?? (action === "status" ? a.actions.monitor : undefined);
  if (!decl?.run || INFO_ACTIONS.has(action)) {
    io.err(exitReason(env, `action '${action}' is not implemented by ${a.name}`));
    return OCF.ERR_UNIMPLEMENTED;
  }
  const instance = env.OCF_RESOURCE_INSTANCE || "default";
  const log = createLogger(`${a.name}(${instance})`, env, io.err);
  const deadline = deadlineFromEnv(env, decl.timeout);
  const finish = async (code: number, reason?: string) => {
    if (reason) {
      (code === OCF.SUCCESS || code === OCF.NOT_RUNNING ? log.info : log.err)(reason);
      io.err(exitReason(env, reason));
    }
    await log.flush();
    return code;
  };

  // An error thrown from a callback (a stream, a timer) would otherwise print a stack trace.
  const crash = (e: unknown) => {
    io.err(exitReason(env, `internal error in ${action}: ${e instanceof Error ? e.message : String(e)}`));
    process.exit(OCF.ERR_GENERIC);
  };
  if (io === stdio) {
    process.on("uncaughtException", crash);
    process.on("unhandledRejection", crash);
  }

  // Last line of defence: an action that overruns its own deadline still reports before SIGKILL.
  const watchdog = setTimeout(() => {
    io.err(exitReason(env, `${action} did not finish within its ${deadline.totalMs} ms timeout`));
    process.exit(OCF.ERR_GENERIC);
  }, deadline.remaining() + Math.min(1000, deadline.totalMs * 0.05));
  watchdog.unref();

  let params;
  try {
    params = parseParams(a.params, env);
  } catch (e) {
    if (!(e instanceof OcfError)) throw e;
    // A stop after a failed start must not fail (that fences the node): with parameters that
    // could never start, this resource cannot have started anything here.
    if (action === "stop") {
      log.warn(`stop with invalid parameters (${e.message}): nothing of this resource can be running`);
      return finish(OCF.SUCCESS);
    }
    return finish(e.code, e.message);
  }
  const interval = env.OCF_RESKEY_CRM_meta_interval;
  const level = Number(env.OCF_CHECK_LEVEL ?? "0");
  const ctx: Ctx<P> = {
    params,
    action,
    instance,
    deadline,
    log,
    probe: (action === "monitor" || action === "status") && interval !== undefined && Number(interval) === 0,
    depth: Number.isFinite(level) ? level : 0,
    env,
  };
  try {
    const code = await decl.run(ctx);
    return finish(code);
  } catch (e) {
    if (e instanceof OcfError) return finish(e.code, e.message);
    const msg = e instanceof Error ? e.message : String(e);
    return finish(OCF.ERR_GENERIC, `internal error in ${action}: ${msg}`);
  } finally {
    clearTimeout(watchdog);
  }
}
