/**
 * Operation rows for the generated configuration, taken from the agents' own declarations (the
 * timeouts their meta-data advertises), so a new or retuned agent changes the output by itself.
 */
import { AGENT_NAMES, loadAgent } from "../../agents/index";
import type { ActionDecl, ParamDecls } from "../ocf/declare";

export type Role = "Promoted" | "Unpromoted";

export interface Op {
  name: string;
  /** seconds; 0 for one-shot actions */
  interval: number;
  /** seconds */
  timeout: number;
  role?: Role;
}

/**
 * Nothing shorter than this: a node under load (or a VM under emulation, where starting any
 * program takes seconds) must not turn a slow start into a failed one and a fencing.
 */
export const MIN_TIMEOUT = 20;

/** Actions written as `op` rows; the rest (meta-data, validate-all, reload) need none. */
const WANTED = ["start", "stop", "promote", "demote", "notify", "monitor"];

/** Ops of hanfs agent `agent` (Filesystem, nfsserver, exportfs, drbd); `promotable` adds per-role monitors. */
export async function agentOps(agent: string, promotable = false): Promise<Op[]> {
  if (!AGENT_NAMES.includes(agent)) throw new Error(`no agent ocf:hanfs:${agent}`);
  const actions = (await loadAgent(agent)).actions as Record<string, ActionDecl<ParamDecls>>;
  const ops: Op[] = [];
  for (const name of WANTED) {
    const a = actions[name];
    if (!a) continue;
    if (name !== "monitor") {
      ops.push({ name, interval: 0, timeout: Math.max(MIN_TIMEOUT, a.timeout) });
      continue;
    }
    // depth-0 monitors only: deeper checks (OCF_CHECK_LEVEL) are the operator's choice
    const rows = [a, ...(a.variants ?? [])].filter((v) => !v.depth);
    ops.push(...monitorRows(rows, promotable));
  }
  return ops;
}

function monitorRows(rows: Array<{ timeout: number; interval?: number; role?: Role }>, promotable: boolean): Op[] {
  const t = (r: { timeout: number }) => Math.max(MIN_TIMEOUT, r.timeout);
  if (!promotable) {
    const r = rows.find((x) => !x.role) ?? rows[0];
    return [{ name: "monitor", interval: r.interval ?? 10, timeout: t(r) }];
  }
  // Pacemaker tells monitors apart by interval: each role needs its own
  const p = rows.find((x) => x.role === "Promoted") ?? rows[0];
  const u = rows.find((x) => x.role === "Unpromoted") ?? rows[0];
  const pi = p.interval ?? 29;
  let ui = u.interval ?? 31;
  if (ui === pi) ui = pi + 2;
  return [
    { name: "monitor", interval: pi, timeout: t(p), role: "Promoted" },
    { name: "monitor", interval: ui, timeout: t(u), role: "Unpromoted" },
  ];
}

/** Ops for agents hanfs does not ship (IPaddr2, fencing devices). */
export const FOREIGN_OPS: Record<string, Op[]> = {
  "ocf:heartbeat:IPaddr2": [
    { name: "start", interval: 0, timeout: 20 },
    { name: "stop", interval: 0, timeout: 20 },
    { name: "monitor", interval: 10, timeout: 20 },
  ],
  stonith: [{ name: "monitor", interval: 60, timeout: 20 }],
};
