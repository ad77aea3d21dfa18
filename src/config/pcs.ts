/**
 * The plan as pcs (0.10/0.11) commands working on a CIB file: `pcs -f FILE ...` needs no running
 * cluster, so the same commands are what CI runs and what the operator reviews before
 * `pcs cluster cib-push FILE --config`.
 */
import type { Op } from "./ops";
import type { Pairs, Plan, Primitive } from "./plan";

const kv = (p: Pairs) => p.map(([k, v]) => `${k}=${v}`);
const opArgs = (ops: Op[]) => ["op", ...ops.flatMap((o) => [o.name, `interval=${o.interval}s`, `timeout=${o.timeout}s`, ...(o.role ? [`role=${o.role}`] : [])])];

/** Every pcs invocation after `pcs`, with CIB standing for the file argument. */
export function pcsCommands(plan: Plan): string[][] {
  const f = ["-f", "CIB"];
  const cmds: string[][] = [["property", "set", ...kv(plan.properties)]];
  for (const s of plan.stonith) cmds.push(["stonith", "create", s.id, s.agent.replace(/^stonith:/, ""), ...kv(s.params), ...opArgs(s.ops)]);
  // the rule form: `location X avoids NODE` with -f warns that node names cannot be checked
  for (const a of plan.avoid) cmds.push(["constraint", "location", a.rsc, "rule", `constraint-id=${a.id}`, "score=-INFINITY", "#uname", "eq", a.node]);
  const create = (p: Primitive) => ["resource", "create", p.id, p.agent, ...kv(p.params), ...opArgs(p.ops), "--no-default-ops"];
  // `promotable ID k=v...` (no `meta` keyword): pcs 0.11 puts these on the clone
  cmds.push([...create(plan.drbd), "promotable", plan.promotable.id, ...kv(plan.promotable.meta.filter(([k]) => k !== "promotable"))]);
  for (const m of plan.members) cmds.push([...create(m), "--group", plan.group.id]);
  cmds.push(["resource", "meta", plan.group.id, ...kv(plan.group.meta)]);
  const o = plan.order;
  cmds.push(["constraint", "order", o.firstAction, o.first, "then", o.thenAction, o.then, `id=${o.id}`]);
  const c = plan.colocation;
  cmds.push(["constraint", "colocation", "add", c.rsc, "with", c.withRole, c.withRsc, "INFINITY", `id=${c.id}`]);
  return cmds.map((a) => [...f, ...a]);
}

/** POSIX shell quoting: plain words stay as they are. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function renderPcs(plan: Plan): string {
  const lines = pcsCommands(plan).map((argv) => "pcs " + argv.map((a) => (a === "CIB" ? '"$cib"' : shQuote(a))).join(" "));
  return [
    "#!/bin/sh",
    `# hanfs crm-config: ${plan.title}`,
    ...plan.notes.map((n) => `# NOTE: ${n}`),
    "# Usage on one node of the running cluster:",
    "#   sh hanfs-pcs.sh hanfs.xml                    (fills a copy of the live CIB, changes nothing yet)",
    "#   pcs -f hanfs.xml config; crm_verify -x hanfs.xml",
    "#   pcs cluster cib-push hanfs.xml --config",
    "set -eu",
    'cib=${1:?usage: sh hanfs-pcs.sh CIB-FILE}',
    '[ -e "$cib" ] || pcs cluster cib "$cib"',
    ...lines,
    "",
  ].join("\n");
}
