import type { Deadline } from "./deadline";
import type { Logger } from "./log";

export type ParamType = "string" | "integer" | "boolean";
type TypeOf<T extends ParamType> = T extends "integer" ? number : T extends "boolean" ? boolean : string;

/** One OCF parameter. `check` returns an error text (→ exit `code`, default 6) or undefined. */
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
  /** exit code for an invalid value (2, 5 or 6); 6 when unset */
  code?: 2 | 5 | 6;
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

export interface Ctx<P extends ParamDecls> {
  params: ParamValues<P>;
  action: string;
  /** OCF_RESOURCE_INSTANCE (clone suffix included) */
  instance: string;
  deadline: Deadline;
  log: Logger;
  /** monitor with interval 0: Pacemaker is asking "is it running here?" */
  probe: boolean;
  /** OCF_CHECK_LEVEL for monitor */
  depth: number;
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
  /** skip parameter validation (meta-data, usage, stop handles it itself) */
  raw?: boolean;
}

export interface AgentDecl<P extends ParamDecls> {
  name: string;
  version: string;
  shortdesc: string;
  longdesc: string;
  params: P;
  actions: Record<string, ActionDecl<P>>;
}

export const defineAgent = <P extends ParamDecls>(a: AgentDecl<P>): AgentDecl<P> => a;
