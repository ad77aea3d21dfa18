import { first, kids, type El } from "../xml";
import { isFalse } from "./values";

/** A cluster property (crm_config cluster_property_set nvpair) from `cibadmin -Q`; later sets win. */
export function clusterOption(cib: El, name: string): string | undefined {
  const cfg = first(first(cib, "configuration") ?? cib, "crm_config");
  let v: string | undefined;
  for (const s of cfg ? kids(cfg, "cluster_property_set") : []) for (const p of kids(s, "nvpair")) if (p.attrs.name === name) v = p.attrs.value;
  return v;
}

/** stonith-enabled defaults to true; only an explicit false turns fencing off. */
export const stonithEnabled = (cib: El) => !isFalse(clusterOption(cib, "stonith-enabled"));
