import { all, first, kids, type El } from "../xml";
import { isTrue } from "./values";

/** Name → value of the nvpairs in an element's meta_attributes or instance_attributes sets (later sets win). */
export function nvpairs(el: El, set: "meta_attributes" | "instance_attributes"): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of kids(el, set)) for (const p of kids(s, "nvpair")) if (p.attrs.name !== undefined) out.set(p.attrs.name, p.attrs.value ?? "");
  return out;
}

export type Promotable = { ok: true; clone: string; primitive: string } | { ok: false; reason: string };

/**
 * The promotable clone whose primitive has drbd_resource=<res> in `cibadmin -Q` output: a <clone>
 * with meta promotable=true, or a legacy <master> (accepted by Pacemaker 2.1's schemas).
 */
export function promotableFor(cib: El, res: string): Promotable {
  const rscs = first(first(cib, "configuration") ?? cib, "resources");
  if (!rscs) return { ok: false, reason: "the CIB has no resources section" };
  const hits: { clone: string; primitive: string }[] = [];
  for (const c of [...all(rscs, "clone"), ...all(rscs, "master")]) {
    if (c.name === "clone" && !isTrue(nvpairs(c, "meta_attributes").get("promotable"))) continue;
    for (const p of all(c, "primitive")) {
      if (nvpairs(p, "instance_attributes").get("drbd_resource") === res) hits.push({ clone: c.attrs.id, primitive: p.attrs.id });
    }
  }
  if (hits.length === 1) return { ok: true, ...hits[0] };
  if (!hits.length) return { ok: false, reason: `no promotable clone of a primitive with drbd_resource=${res}` };
  return { ok: false, reason: `several promotable clones manage drbd_resource=${res}: ${hits.map((h) => h.clone).join(", ")}` };
}

const PROMOTED = new Set(["Promoted", "Master"]);

/**
 * Nodes where crm_mon shows an instance of the clone Promoted (Master in builds with 2.0
 * compatibility), failed ones included: a failed Promoted instance may still be DRBD Primary.
 */
export function promotedNodes(mon: El, clone: string): string[] {
  const rscs = first(mon, "resources");
  const c = rscs && all(rscs, "clone").find((x) => x.attrs.id === clone);
  if (!c) return [];
  return all(c, "resource")
    .filter((r) => PROMOTED.has(r.attrs.role ?? ""))
    .flatMap((r) => kids(r, "node").map((n) => n.attrs.name));
}

/**
 * Nodes where crm_mon shows an instance of the clone that holds primitive `primitive` Promoted (the
 * agent knows its primitive's id, OCF_RESOURCE_INSTANCE, not the clone's).
 */
export function promotedNodesOfPrimitive(mon: El, primitive: string): string[] {
  const rscs = first(mon, "resources");
  const c = rscs && all(rscs, "clone").find((x) => kids(x, "resource").some((r) => r.attrs.id === primitive || r.attrs.id?.startsWith(`${primitive}:`)));
  return c ? promotedNodes(mon, c.attrs.id) : [];
}
