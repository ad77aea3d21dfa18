import type { OcfError } from "./codes";
import type { Deadline } from "./deadline";
import type { Logger } from "./log";
import type { Meta } from "./meta";
import type { Notify } from "./notify";
import type { Promotion } from "./promotion";

export type ParamType = "string" | "integer" | "boolean";
type TypeOf<T extends ParamType> = T extends "integer" ? number : T extends "boolean" ? boolean : string;

/** One OCF parameter. `check` returns an error text (→ exit 6, OCF_ERR_CONFIGURED) or undefined. */
export interface ParamDecl<T extends ParamType = ParamType> {
  type: T;
  shortdesc: string;
  longdesc: string;
  default?: TypeOf<T>;
  required?: boolean;
  unique?: boolean;
  /** integer bounds, inclusive */
  min?: number;
  max?: number;
  /** rewrites a value before `check` sees it (paths: trailing and doubled slashes) */
  normalize?: (value: TypeOf<T>) => TypeOf<T>;
  check?: (value: TypeOf<T>) => string | undefined;
}

export type ParamDecls = Record<string, ParamDecl>;
/** Values as the agent sees them: declared default when unset; optional params without default are undefined. */
export type ParamValues<P extends ParamDecls> = {
  [K in keyof P]: P[K] extends ParamDecl<infer T>
    ? P[K]["required"] extends true
      ? TypeOf<T>
      : P[K]["default"] extends undefined
        ? TypeOf<T> | undefined
        : TypeOf<T>
    : never;
};

export const str = (d: Omit<ParamDecl<"string">, "type">): ParamDecl<"string"> => ({ type: "string", ...d });
export const int = (d: Omit<ParamDecl<"integer">, "type">): ParamDecl<"integer"> => ({ type: "integer", ...d });
export const bool = (d: Omit<ParamDecl<"boolean">, "type">): ParamDecl<"boolean"> => ({ type: "boolean", ...d });

/** Parameter check: an absolute path (a value with a NUL cannot reach us through the environment). */
export const absPath = (v: string) => (v.startsWith("/") ? undefined : `must be an absolute path, got '${v}'`);
/** A check that lets the empty value (nothing configured) through. */
export const optional = (check: (v: string) => string | undefined) => (v: string) => (v === "" ? undefined : check(v));

export interface Ctx<P extends ParamDecls> {
  params: ParamValues<P>;
  action: string;
  /** OCF_RESOURCE_INSTANCE: "r0" also for an anonymous clone's instances (ctx.meta.clone has the number) */
  instance: string;
  deadline: Deadline;
  log: Logger;
  /** monitor with interval 0 or none: Pacemaker is asking "is it running here?" */
  probe: boolean;
  /** OCF_CHECK_LEVEL for monitor */
  depth: number;
  /** Pacemaker's meta attributes (interval, timeout, role, clone and promotable settings, node) */
  meta: Meta;
  /** the clone notification, for the notify action only (undefined when its type or operation is missing) */
  notify: Notify | undefined;
  /** this node's promotion score (promotable clones) */
  promotion: Promotion;
  env: NodeJS.ProcessEnv;
}

export type ActionFn<P extends ParamDecls> = (ctx: Ctx<P>) => Promise<number> | number;

export interface ActionDecl<P extends ParamDecls> {
  /** seconds, written to meta-data; the default deadline when Pacemaker passes none */
  timeout: number;
  interval?: number;
  depth?: number;
  role?: "Promoted" | "Unpromoted";
  /** more meta-data rows of the same action (e.g. monitor at other depths) */
  variants?: Array<{ timeout: number; interval?: number; depth?: number; role?: "Promoted" | "Unpromoted" }>;
  run?: ActionFn<P>;
}

/** The context of a stop whose parameters do not parse: those that did, and the first error. */
export type InvalidStopCtx<P extends ParamDecls> = Omit<Ctx<P>, "params"> & { params: Partial<ParamValues<P>>; invalid: OcfError };

/**
 * What stop does when the parameters do not parse (a failed stop gets the node fenced):
 * "succeed": parameters that could never start cannot have started anything here (exit 0, warning);
 * "fail": exit with the parameter error; a function decides, e.g. a safe stop by what did parse.
 */
export type InvalidStopPolicy<P extends ParamDecls> = "succeed" | "fail" | ((ctx: InvalidStopCtx<P>) => Promise<number> | number);

export interface AgentDecl<P extends ParamDecls> {
  name: string;
  version: string;
  shortdesc: string;
  longdesc: string;
  params: P;
  /**
   * Rules between parameters (grace >= lease; a device spec that fits the fstype): an error text
   * fails like a parameter that does not parse (exit 6; stop follows invalidParamsOnStop).
   */
  check?: (params: ParamValues<P>) => string | undefined;
  actions: Record<string, ActionDecl<P>>;
  invalidParamsOnStop: InvalidStopPolicy<P>;
}

export const defineAgent = <P extends ParamDecls>(a: AgentDecl<P>): AgentDecl<P> => a;
