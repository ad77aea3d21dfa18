/** The plan as crm shell text (`crm configure load update FILE`). */
import type { Op } from "./ops";
import type { Pairs, Plan, Primitive } from "./plan";

/** crmsh splits on blanks and treats quotes specially: quote anything that is not plain. */
export function crmValue(v: string): string {
  return /^[A-Za-z0-9_.,:/@+=-]+$/.test(v) ? v : `"${v}"`;
}

const pairs = (p: Pairs) => p.map(([k, v]) => `${k}=${crmValue(v)}`).join(" ");
const opLine = (o: Op) => `op ${o.name} interval=${o.interval}s timeout=${o.timeout}s${o.role ? ` role=${o.role}` : ""}`;

function primitive(p: Primitive): string {
  const lines = [`primitive ${p.id} ${p.agent}`];
  if (p.params.length) lines.push(`params ${pairs(p.params)}`);
  for (const o of p.ops) lines.push(opLine(o));
  return lines.join(" \\\n\t");
}

export function renderCrm(plan: Plan): string {
  const out: string[] = [
    `# hanfs crm-config: ${plan.title}`,
    "# Load on one node of the running cluster: crm configure load update hanfs.crm",
    ...plan.notes.map((n) => `# NOTE: ${n}`),
    "",
  ];
  for (const s of plan.stonith) out.push(primitive(s));
  for (const a of plan.avoid) out.push(`location ${a.id} ${a.rsc} -inf: ${a.node}`);
  out.push(primitive(plan.drbd));
  out.push(`clone ${plan.promotable.id} ${plan.drbd.id} \\\n\tmeta ${pairs(plan.promotable.meta)}`);
  for (const m of plan.members) out.push(primitive(m));
  out.push(`group ${plan.group.id} ${plan.members.map((m) => m.id).join(" ")} \\\n\tmeta ${pairs(plan.group.meta)}`);
  const o = plan.order;
  out.push(`order ${o.id} Mandatory: ${o.first}:${o.firstAction} ${o.then}:${o.thenAction}`);
  const c = plan.colocation;
  out.push(`colocation ${c.id} inf: ${c.rsc} ${c.withRsc}:${c.withRole}`);
  out.push(`property cib-bootstrap-options: ${pairs(plan.properties)}`);
  return out.join("\n") + "\n";
}
