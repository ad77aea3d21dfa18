import { clipValues } from "../text";
import { OcfError } from "./codes";
import type { ParamDecl, ParamDecls, ParamValues } from "./declare";

const CONTROL = /[\x00-\x1f\x7f]/;
const TRUE = /^(1|yes|true|on|y)$/i;
const FALSE = /^(0|no|false|off|n)$/i;

/** Parse one raw value; throws OcfError (6, OCF_ERR_CONFIGURED) on bad input. */
export function parseParam(name: string, d: ParamDecl, raw: string | undefined): unknown {
  if (raw === undefined || raw === "") {
    if (d.required) throw new OcfError(6, `required parameter '${name}' is not set`);
    return d.default;
  }
  // a value echoed into the reason: a 64 KiB value gets its first 200 characters
  let shown = raw;
  const bad = (why: string): never => {
    throw new OcfError(6, clipValues(`parameter '${name}' ${why}`, [shown]));
  };
  if (CONTROL.test(raw)) bad("contains a control character (newline, tab, ...)");
  let v: unknown;
  switch (d.type) {
    case "integer": {
      if (!/^[+-]?\d{1,15}$/.test(raw.trim())) bad(`must be an integer, got '${raw}'`);
      const n = Number(raw.trim());
      if (d.min !== undefined && n < d.min) bad(`must be >= ${d.min}, got ${n}`);
      if (d.max !== undefined && n > d.max) bad(`must be <= ${d.max}, got ${n}`);
      v = n;
      break;
    }
    case "boolean":
      if (TRUE.test(raw.trim())) v = true;
      else if (FALSE.test(raw.trim())) v = false;
      else bad(`must be a boolean (true/false, yes/no, 1/0), got '${raw}'`);
      break;
    default:
      v = raw;
  }
  if (d.normalize) v = (d.normalize as (x: unknown) => unknown)(v);
  if (typeof v === "string") shown = v;
  const why = (d.check as ((x: unknown) => string | undefined) | undefined)?.(v);
  if (why) bad(why);
  return v;
}

/** Environment → every parameter that parses, and the errors of those that do not (declaration order). */
export function parseEachParam<P extends ParamDecls>(decls: P, env: NodeJS.ProcessEnv): { values: Partial<ParamValues<P>>; errors: OcfError[] } {
  const values: Record<string, unknown> = {};
  const errors: OcfError[] = [];
  for (const [name, d] of Object.entries(decls)) {
    try {
      values[name] = parseParam(name, d, env[`OCF_RESKEY_${name}`]);
    } catch (e) {
      if (!(e instanceof OcfError)) throw e;
      errors.push(e);
    }
  }
  return { values: values as Partial<ParamValues<P>>, errors };
}

/** Environment → typed parameter values; throws the first parameter's error. */
export function parseParams<P extends ParamDecls>(decls: P, env: NodeJS.ProcessEnv): ParamValues<P> {
  const { values, errors } = parseEachParam(decls, env);
  if (errors.length) throw errors[0];
  return values as ParamValues<P>;
}
