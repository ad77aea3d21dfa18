import { escapeXml, first, kids, type El } from "../xml";

/**
 * The fence constraint: "the clone may be Promoted only on the nodes that hold good data".
 *
 *   <rsc_location id="drbd-fence-by-handler-r0-ms_drbd_r0" rsc="ms_drbd_r0">
 *     <rule id="drbd-fence-by-handler-r0-rule-ms_drbd_r0" role="Promoted" score="-INFINITY">
 *       <expression id="drbd-fence-by-handler-r0-expr-0-ms_drbd_r0" attribute="#uname" operation="ne" value="alpha"/>
 *     </rule>
 *   </rsc_location>
 *
 * The id prefix is linbit's, so an admin (or a cleanup script) who knows crm-fence-peer.sh finds it.
 * role="Promoted": Pacemaker 2.1.0+ reads it, 2.1's schemas take any text for a rule role, crm_mon and
 * crmsh 4.4 print Promoted, and 3.0 drops "Master"; linbit still writes "Master" for Pacemaker 1.1.
 * With several nodes to keep (DRBD 9, more than one UpToDate node) the expressions are and-ed: the
 * rule bans every node that is none of them.
 */
export interface FenceIds {
  constraint: string;
  rule: string;
  expr: (i: number) => string;
}

/**
 * An XML ID part (NCName characters) from a DRBD resource name, whose charset also allows
 * % + / : = @: each of those becomes _XX (its hex code), so different names keep different ids.
 */
export const idPart = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

export function fenceIds(res: string, clone: string): FenceIds {
  const p = `drbd-fence-by-handler-${idPart(res)}`;
  return { constraint: `${p}-${clone}`, rule: `${p}-rule-${clone}`, expr: (i) => `${p}-expr-${i}-${clone}` };
}

export interface FenceSpec {
  res: string;
  clone: string;
  /** Pacemaker node names that may stay Promoted (this node, plus other UpToDate nodes on DRBD 9) */
  keep: string[];
}

export function fenceConstraintXml(s: FenceSpec): string {
  const ids = fenceIds(s.res, s.clone);
  const a = (v: string) => `"${escapeXml(v)}"`;
  const exprs = uniqueSorted(s.keep).map((n, i) => `    <expression id=${a(ids.expr(i))} attribute="#uname" operation="ne" value=${a(n)}/>`);
  return [
    `<rsc_location id=${a(ids.constraint)} rsc=${a(s.clone)}>`,
    `  <rule id=${a(ids.rule)} role="Promoted" score="-INFINITY">`,
    ...exprs,
    "  </rule>",
    "</rsc_location>",
  ].join("\n");
}

const uniqueSorted = (xs: string[]) => [...new Set(xs)].sort();

/** A location constraint by id from `cibadmin -Q` output. */
export function locationById(cib: El, id: string): El | undefined {
  const cons = first(first(cib, "configuration") ?? cib, "constraints");
  return cons && kids(cons, "rsc_location").find((c) => c.attrs.id === id);
}

/**
 * How an existing constraint with our id relates to the one we would place:
 *   none        there is none
 *   equivalent  same clone, Promoted/Master, -INFINITY, `#uname ne` for exactly the same nodes (ids
 *               and attribute order do not matter): placing it again would change nothing
 *   rejects-me  it bans the Promoted role on `me`: someone (the peer's handler) fenced this node
 *   other       anything else (it keeps this node but differs, or we cannot evaluate it)
 */
export type Existing = "none" | "equivalent" | "rejects-me" | "other";

export function classifyExisting(c: El | undefined, s: Pick<FenceSpec, "clone" | "keep">, me: string): Existing {
  if (!c) return "none";
  const rules = kids(c, "rule");
  const rule = rules.length === 1 ? rules[0] : undefined;
  if (!rule || c.attrs.rsc !== s.clone || c.attrs.node !== undefined) return "other";
  const promotedOnly = rule.attrs.role === "Promoted" || rule.attrs.role === "Master";
  const minusInf = /^-inf(inity)?$/i.test(rule.attrs.score ?? "");
  const exprs = kids(rule, "expression");
  const and = (rule.attrs["boolean-op"] ?? "and") === "and";
  const neOnly = exprs.length > 0 && rule.children.length === exprs.length && exprs.every(isUnameNe);
  if (promotedOnly && minusInf && and && neOnly && sameSet(exprs.map((e) => e.attrs.value), s.keep)) return "equivalent";
  if (promotedOnly && minusInf && rule.children.length === exprs.length && appliesTo(exprs, and, me) === true) return "rejects-me";
  return "other";
}

const isUnameNe = (e: El) => e.attrs.attribute === "#uname" && e.attrs.operation === "ne" && e.attrs["value-source"] === undefined;
const sameSet = (a: string[], b: string[]) => uniqueSorted(a).join("\n") === uniqueSorted(b).join("\n");

/** Does the rule select node `me`? Only #uname eq/ne expressions can be evaluated; undefined otherwise. */
function appliesTo(exprs: El[], and: boolean, me: string): boolean | undefined {
  const vals = exprs.map((e) => {
    if (e.attrs.attribute !== "#uname" || e.attrs["value-source"] !== undefined) return undefined;
    if (e.attrs.operation === "eq") return e.attrs.value === me;
    if (e.attrs.operation === "ne") return e.attrs.value !== me;
    return undefined;
  });
  if (vals.some((v) => v === undefined)) return undefined;
  return and ? vals.every(Boolean) : vals.some(Boolean);
}
