import { OcfError } from "./codes";
import type { ParamDecl, ParamDecls, ParamValues } from "./declare";

const CONTROL = /[\x00-\x1f\x7f]/;
const TRUE = /^(1|yes|true|on|y)$/i;
const FALSE = /^(0|no|false|off|n)$/i;

/** Parse one raw value; throws OcfError with the declared code on bad input. */
export function parseParam(name: string, d: ParamDecl, raw: string | undefined): unknown {
  if (raw === undefined || raw === "") {
    if (d.required) throw new OcfError(6, `required parameter '${name}' is not set`);
    return d.default;
  }
  const bad = (why: string): never => {
    throw new OcfError(d.code ?? 6, `parameter '${name}' ${why}`);
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
  const why = (d.check as ((x: unknown) => string | undefined) | undefined)?.(v);
  if (why) bad(why);
  return v;
}

/** Environment → typed parameter values. */
export function parseParams<P extends ParamDecls>(decls: P, env: NodeJS.ProcessEnv): ParamValues<P> {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(decls)) out[name] = parseParam(name, d, env[`OCF_RESKEY_${name}`]);
  return out as ParamValues<P>;
}
