import { all, first, parseXml, type El } from "../../../src/xml";

/** The parts of `crm_mon --output-as=xml` the scenarios look at. */
export interface Status {
  dc?: string;
  quorum: boolean;
  nodes: NodeState[];
  resources: Rsc[];
  /** operation history, newest calls last per node */
  ops: Op[];
  failures: Failure[];
  fencing: FenceEvent[];
  xml: string;
}

export interface NodeState {
  name: string;
  online: boolean;
  standby: boolean;
  pending: boolean;
  unclean: boolean;
}

export interface Rsc {
  id: string;
  agent: string;
  role: string;
  active: boolean;
  failed: boolean;
  nodes: string[];
}

export interface Op {
  node: string;
  rsc: string;
  task: string;
  interval: string;
  rc: number;
  call: number;
  execMs?: number;
}

export interface Failure {
  op: string;
  node: string;
  status: string;
  reason: string;
}

export interface FenceEvent {
  action: string;
  target: string;
  status: string;
  delegate: string;
  completed: string;
}

const bool = (v?: string) => v === "true";

export function parseStatus(xml: string): Status {
  const doc = parseXml(xml);
  const dc = first(doc, "current_dc");
  const resEl = first(doc, "resources");
  return {
    dc: dc && bool(dc.attrs.present) ? dc.attrs.name : undefined,
    quorum: !!dc && bool(dc.attrs.with_quorum),
    nodes: all(first(doc, "nodes") ?? doc, "node").map((n) => ({
      name: n.attrs.name,
      online: bool(n.attrs.online),
      standby: bool(n.attrs.standby),
      pending: bool(n.attrs.pending),
      unclean: bool(n.attrs.unclean),
    })),
    resources: resEl ? all(resEl, "resource").map(rsc) : [],
    ops: all(doc, "node_history").flatMap((h) =>
      h.children.flatMap((n) =>
        all(n, "resource_history").flatMap((r) =>
          all(r, "operation_history").map((o) => ({
            node: n.attrs.name,
            rsc: r.attrs.id,
            task: o.attrs.task,
            interval: o.attrs.interval ?? "0ms",
            rc: Number(o.attrs.rc),
            call: Number(o.attrs.call),
            execMs: o.attrs["exec-time"] ? parseInt(o.attrs["exec-time"], 10) : undefined,
          })),
        ),
      ),
    ),
    failures: all(doc, "failure").map((f) => ({ op: f.attrs.op_key, node: f.attrs.node, status: f.attrs.status, reason: f.attrs.exitreason ?? "" })),
    fencing: all(doc, "fence_event").map((f) => ({
      action: f.attrs.action,
      target: f.attrs.target,
      status: f.attrs.status,
      delegate: f.attrs.delegate ?? "",
      completed: f.attrs.completed ?? "",
    })),
    xml,
  };
}

function rsc(r: El): Rsc {
  return {
    id: r.attrs.id,
    agent: r.attrs.resource_agent,
    role: r.attrs.role,
    active: bool(r.attrs.active),
    failed: bool(r.attrs.failed),
    nodes: r.children.filter((c) => c.name === "node").map((c) => c.attrs.name),
  };
}

/** Helpers for predicates. */
export const rscOf = (s: Status, id: string) => s.resources.find((r) => r.id === id);
/** The single node a resource is Started on, or undefined (stopped, or active on several nodes). */
export function startedOn(s: Status, id: string): string | undefined {
  const r = rscOf(s, id);
  return r && r.role === "Started" && r.nodes.length === 1 && !r.failed ? r.nodes[0] : undefined;
}
export const onlineNodes = (s: Status) => s.nodes.filter((n) => n.online && !n.pending && !n.unclean).map((n) => n.name);

/** One line of what matters in a status (for timeout messages and logs). */
export function summarize(s: Status): string {
  const nodes = s.nodes.map((n) => `${n.name}:${n.online ? "on" : "off"}${n.standby ? "/standby" : ""}${n.unclean ? "/unclean" : ""}${n.pending ? "/pending" : ""}`);
  const rs = s.resources.map((r) => `${r.id}=${r.role}${r.failed ? "(failed)" : ""}@${r.nodes.join("+") || "-"}`);
  const f = s.failures.map((x) => `${x.op}@${x.node}:${x.status}`);
  return `dc=${s.dc ?? "none"} nodes[${nodes.join(" ")}] rsc[${rs.join(" ")}]${f.length ? ` failures[${f.join(" ")}]` : ""}`;
}

/** Poll `get` (crm_mon XML from some node) until `pred` holds, returning that status, or throw at the deadline with the last one seen. */
export async function waitForStatus(get: () => Promise<Status>, pred: (s: Status) => unknown, deadlineMs: number, what = "cluster state", everyMs = 150): Promise<Status> {
  const end = Date.now() + deadlineMs;
  let last: Status | undefined;
  let err: unknown;
  for (;;) {
    try {
      last = await get();
      if (pred(last)) return last;
    } catch (e) {
      err = e;
    }
    if (Date.now() >= end) {
      const why = last ? summarize(last) : String(err);
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}; last: ${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
