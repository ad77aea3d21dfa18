import { all, first, kids, type El } from "../xml";
import { isFalse, isTrue } from "./values";

/**
 * How Pacemaker sees a cluster node, from the CIB (`cibadmin -Q`: <node_state>) or from
 * `crm_mon --output-as=xml` (<node online= unclean= pending=>). The fence handler's question is
 * "is the DRBD peer reachable, cleanly gone, or lost (about to be fenced)?":
 *
 *   online      member of the membership and its controller joined: reachable
 *   pending     alive but not running resources: joining, or shutting down / stopped while corosync runs
 *   clean-down  not a member, controller offline, expected down: shut down cleanly or fenced
 *   unclean     gone while expected up: Pacemaker will fence it (or could not)
 *   unknown     never seen, or attributes it cannot read
 */
export type NodeCondition = "online" | "pending" | "clean-down" | "unclean" | "unknown";

export interface NodeStatus {
  id: string;
  name: string;
  condition: NodeCondition;
  why: string;
}

/** node_state attributes: Pacemaker < 2.1.7 writes in_ccm=true|false crmd=online|offline; 2.1.7+ writes epoch seconds or 0. */
export interface NodeStateAttrs {
  in_ccm?: string;
  crmd?: string;
  join?: string;
  expected?: string;
}


/** Seconds since it became a member (1 for the boolean form), 0 if not a member, -1 if unknown. */
function memberSince(v: string | undefined): number {
  if (v === undefined) return -1;
  if (isTrue(v)) return 1;
  if (isFalse(v)) return 0;
  return /^\d+$/.test(v) ? Number(v) : -1;
}

/** Seconds since its controller came online (1 for "online"), 0 if offline; unreadable counts as offline, as Pacemaker does. */
function onlineSince(v: string | undefined): number {
  if (v === undefined || /^offline$/i.test(v)) return 0;
  if (/^online$/i.test(v)) return 1;
  return /^\d+$/.test(v) ? Number(v) : 0;
}

/** The condition Pacemaker's scheduler derives (unpack.c determine_online_status_fencing), reduced to what fencing needs. */
export function classifyNodeState(a: NodeStateAttrs | undefined): { condition: NodeCondition; why: string } {
  if (!a) return { condition: "unknown", why: "no node_state: never seen by the cluster" };
  const member = memberSince(a.in_ccm);
  const online = onlineSince(a.crmd);
  const desc = `in_ccm=${a.in_ccm ?? "-"} crmd=${a.crmd ?? "-"} join=${a.join ?? "-"} expected=${a.expected ?? "-"}`;
  if (member < 0) return { condition: "unknown", why: desc };
  if (a.join === "banned") return { condition: "unclean", why: desc };
  // expected down (or never set): shutting down, shut down, fenced, or still coming up
  if ((a.expected ?? "down") === "down") return { condition: member > 0 || online > 0 ? "pending" : "clean-down", why: desc };
  if (member <= 0 || online <= 0) return { condition: "unclean", why: desc };
  if (a.join === "member") return { condition: "online", why: desc };
  return { condition: a.join === "pending" || a.join === "down" ? "pending" : "unclean", why: desc };
}

/** Every cluster node of `cibadmin -Q` by name: <nodes><node id uname> joined with <status><node_state id>. */
export function cibNodes(cib: El): Map<string, NodeStatus> {
  const states = new Map(all(first(cib, "status") ?? cib, "node_state").map((s) => [s.attrs.id, s.attrs]));
  const out = new Map<string, NodeStatus>();
  const nodes = first(first(cib, "configuration") ?? cib, "nodes");
  for (const n of nodes ? kids(nodes, "node") : []) {
    if (n.attrs.type === "ping" || n.attrs.type === "remote") continue;
    const name = n.attrs.uname ?? n.attrs.id;
    out.set(name, { id: n.attrs.id, name, ...classifyNodeState(states.get(n.attrs.id)) });
  }
  return out;
}

const yes = (v?: string) => v === "true";

/** The same from crm_mon's verdict (<nodes><node name online unclean pending expected_up shutdown>). */
export function monNodes(mon: El): Map<string, NodeStatus> {
  const out = new Map<string, NodeStatus>();
  const nodes = first(mon, "nodes");
  for (const n of nodes ? kids(nodes, "node") : []) {
    if (n.attrs.type !== undefined && n.attrs.type !== "member") continue;
    const a = n.attrs;
    const condition: NodeCondition = yes(a.unclean)
      ? "unclean"
      : yes(a.online)
        ? yes(a.pending) ? "pending" : "online"
        : yes(a.pending) ? "pending" : "clean-down";
    out.set(a.name, { id: a.id, name: a.name, condition, why: `online=${a.online} unclean=${a.unclean} pending=${a.pending}` });
  }
  return out;
}

/** `have-quorum` on the <cib> element ("1"/"0", or true/false); undefined when absent. */
export function cibQuorum(cib: El): boolean | undefined {
  const v = (cib.name === "cib" ? cib : first(cib, "cib"))?.attrs["have-quorum"];
  return isTrue(v) ? true : isFalse(v) ? false : undefined;
}

/** crm_mon's <current_dc with_quorum>; undefined without a DC (quorum cannot be known then). */
export function monQuorum(mon: El): boolean | undefined {
  const dc = first(mon, "current_dc");
  if (!dc || dc.attrs.present !== "true") return undefined;
  return yes(dc.attrs.with_quorum);
}
