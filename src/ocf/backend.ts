import type { ActionFn, Ctx, ParamDecls } from "./declare";

/**
 * One implementation of an agent whose parameters select how it works (nfsserver and exportfs:
 * server=kernel or ganesha): the four actions that differ between implementations.
 */
export interface Backend<P extends ParamDecls> {
  /** node checks (programs installed, plugins present); configuration was checked by the runtime */
  validate: ActionFn<P>;
  start: ActionFn<P>;
  stop: ActionFn<P>;
  monitor: ActionFn<P>;
}

/** The agent's actions, each run by the backend `pick` chooses from the parameters of that call. */
export function backendActions<P extends ParamDecls>(pick: (ctx: Ctx<P>) => Backend<P>): Backend<P> {
  return {
    validate: (ctx) => pick(ctx).validate(ctx),
    start: (ctx) => pick(ctx).start(ctx),
    stop: (ctx) => pick(ctx).stop(ctx),
    monitor: (ctx) => pick(ctx).monitor(ctx),
  };
}
