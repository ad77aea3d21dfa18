/**
 * The meta attributes Pacemaker passes with every action (OCF_RESKEY_CRM_meta_*, '-' → '_'),
 * parsed once. Names follow Pacemaker's; both the Pacemaker 2.1 names (promoted_*, roles
 * Promoted/Unpromoted) and the legacy ones (master_*, Master/Slave) are read, new ones first.
 * Recorded real values: test/unit/fixtures/pacemaker-2.1.5-live.json (test/lab/record-env.ts).
 */
export type Role = "Promoted" | "Unpromoted" | "Started";

export interface Meta {
  /** recurring interval in ms; undefined when not passed, as Pacemaker 2.1.5 does for probes and one-shot actions */
  interval: number | undefined;
  /** the action's timeout in ms (the deadline is derived from it) */
  timeout: number | undefined;
  /** the role a recurring monitor was configured for (op role=...) */
  role: Role | undefined;
  /** clone instance number; undefined for a primitive */
  clone: number | undefined;
  clone_max: number | undefined;
  clone_node_max: number | undefined;
  /** promotable clones only */
  promoted_max: number | undefined;
  promoted_node_max: number | undefined;
  /** whether the clone asked for notifications */
  notify: boolean;
  globally_unique: boolean;
  /** the node the action runs on, as Pacemaker names it */
  on_node: string | undefined;
  on_node_uuid: string | undefined;
  /** run as an instance of a clone (clone or clone_max given) */
  is_clone: boolean;
}

const P = "OCF_RESKEY_CRM_meta_";
const TRUE = /^(1|yes|true|on|y)$/i;

function count(v: string | undefined): number | undefined {
  const t = v?.trim();
  return t && /^\d{1,15}$/.test(t) ? Number(t) : undefined;
}

/** Promoted/Unpromoted from either naming (roles are case-insensitive in the CIB). */
export function parseRole(v: string | undefined): Role | undefined {
  switch (v?.trim().toLowerCase()) {
    case "promoted":
    case "master":
      return "Promoted";
    case "unpromoted":
    case "slave":
      return "Unpromoted";
    case "started":
      return "Started";
    default:
      return undefined;
  }
}

export function parseMeta(env: NodeJS.ProcessEnv): Meta {
  const m = (name: string) => {
    const v = env[P + name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const clone = count(m("clone"));
  const clone_max = count(m("clone_max"));
  return {
    interval: count(m("interval")),
    timeout: count(m("timeout")),
    role: parseRole(m("role")),
    clone,
    clone_max,
    clone_node_max: count(m("clone_node_max")),
    promoted_max: count(m("promoted_max") ?? m("master_max")),
    promoted_node_max: count(m("promoted_node_max") ?? m("master_node_max")),
    notify: TRUE.test(m("notify") ?? ""),
    globally_unique: TRUE.test(m("globally_unique") ?? ""),
    on_node: m("on_node"),
    on_node_uuid: m("on_node_uuid"),
    is_clone: m("clone") !== undefined || m("clone_max") !== undefined,
  };
}
