import { type Io, runBounded, stdio } from "../programs/runtime";
import { clip, clipValues } from "../text";
import { OCF, OcfError } from "./codes";
import { deadlineFromEnv } from "./deadline";
import type { AgentDecl, Ctx, InvalidStopCtx, ParamDecls, ParamValues } from "./declare";
import type { Level } from "./log";
import { parseMeta } from "./meta";
import { metaDataXml } from "./metadata";
import { parseNotify } from "./notify";
import { parseEachParam } from "./params";
import { promotionScore } from "./promotion";

export type { Io } from "../programs/runtime";

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

/**
 * The one-line reason Pacemaker shows in crm_mon: the text after the last prefix, to the end of
 * the line. Pacemaker keeps 128 chars of it (EXIT_REASON_MAX_LEN); we write up to 240 so that
 * direct callers (crm_resource --force-*, ocf-tester, logs of stderr) see the whole of a long path.
 */
export function exitReason(env: NodeJS.ProcessEnv, reason: string): string {
  const prefix = env.OCF_EXIT_REASON_PREFIX || "ocf-exit-reason:";
  return `${prefix}${reason.replace(/[\r\n]+/g, " ").slice(0, 240)}\n`;
}

/** How a reason is logged: expected states as info, impaired-but-running as a warning, failures as errors. */
export function levelOf(code: number): Level {
  if (code === OCF.SUCCESS || code === OCF.NOT_RUNNING || code === OCF.RUNNING_PROMOTED) return "info";
  if (code === OCF.DEGRADED || code === OCF.DEGRADED_PROMOTED) return "warn";
  return "err";
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
    io.err(exitReason(env, `no action given (${usage(a).trim()})`));
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
  const run = decl?.run;
  if (!run || INFO_ACTIONS.has(action)) {
    io.err(exitReason(env, `action '${clip(action)}' is not implemented by ${a.name}`));
    return OCF.ERR_UNIMPLEMENTED;
  }
  const instance = env.OCF_RESOURCE_INSTANCE || "default";
  const deadline = deadlineFromEnv(env, decl.timeout);
  return runBounded(
    {
      tag: `${a.name}(${instance})`,
      env,
      io,
      log: "syslog",
      deadline,
      graceMs: Math.min(1000, deadline.totalMs * 0.05),
      reasonLine: (r) => exitReason(env, r),
      levelOf,
      failCode: OCF.ERR_GENERIC,
      overrun: `${action} did not finish within its ${deadline.totalMs} ms timeout`,
      crashWhat: `internal error in ${action}`,
    },
    async ({ log }) => {
      const meta = parseMeta(env);
      const level = Number(env.OCF_CHECK_LEVEL ?? "0");
      const base = {
        action,
        instance,
        deadline,
        log,
        // Pacemaker 2.1.5 passes no interval with a probe (test/unit/fixtures/pacemaker-2.1.5-live.json),
        // hence ocf-shellfuncs' `: ${OCF_RESKEY_CRM_meta_interval=0}`: a monitor without one is a probe
        probe: (action === "monitor" || action === "status") && (meta.interval ?? 0) === 0,
        depth: Number.isFinite(level) ? level : 0,
        meta,
        notify: action === "notify" ? parseNotify(env) : undefined,
        promotion: promotionScore({ instance, env, deadline, log }),
        env,
      };
      const { values, errors } = parseEachParam(a.params, env);
      const crossed = errors.length ? undefined : a.check?.(values as ParamValues<P>);
      if (crossed) errors.push(new OcfError(OCF.ERR_CONFIGURED, clipValues(crossed, Object.values(values))));
      if (errors.length) {
        const invalid = errors[0];
        if (action !== "stop") throw invalid;
        return invalidStop(a, { ...base, params: values, invalid });
      }
      return run({ ...base, params: values as ParamValues<P> } satisfies Ctx<P>);
    },
  );
}

/** A stop whose parameters do not parse: the agent's declared policy decides. */
function invalidStop<P extends ParamDecls>(a: AgentDecl<P>, ctx: InvalidStopCtx<P>): Promise<number> | number {
  const policy = a.invalidParamsOnStop;
  if (policy === "fail") throw ctx.invalid;
  if (policy === "succeed") {
    ctx.log.warn(`stop with invalid parameters (${ctx.invalid.message}): nothing of this resource can be running`);
    return OCF.SUCCESS;
  }
  return policy(ctx);
}
