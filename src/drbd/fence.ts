import type { Existing } from "../cib/constraints";
import type { NodeCondition } from "../cib/nodes";
import type { DrbdResource } from "./events2";
import { isClient } from "./facts";

/**
 * The fence-peer / unfence-peer decision, pure. DRBD acts on the exit code (conn_try_outdate_peer):
 *   3 peer Inconsistent or worse → peer disk marked Inconsistent
 *   4 peer fenced/outdated       → peer disk marked Outdated
 *   5 peer unreachable           → peer disk Outdated only if our disk is UpToDate, else nothing
 *   6 peer is Primary            → DRBD outdates OUR disk
 *   7 peer STONITHed             → peer disk Outdated
 *   anything else: "helper broken", IO stays frozen (resource-and-stonith) and promotion fails.
 * So 3–7 are returned only for outcomes we decided; 1 means "no decision could be made".
 * DRBD ignores the code if the connection came back meanwhile.
 */
export const FENCE_EXIT = { OK: 0, NO_DECISION: 1, PEER_INCONSISTENT: 3, PEER_OUTDATED: 4, PEER_UNREACHABLE: 5, OUTDATE_ME: 6, PEER_STONITHED: 7 } as const;
export type FenceExit = (typeof FENCE_EXIT)[keyof typeof FENCE_EXIT];

export interface FenceInput {
  mode: "fence" | "unfence";
  /** this node's DRBD role and local disk per volume (9: events2; 8.4: /proc/drbd); no disks = unknown */
  local: { role?: string; disks: string[] };
  /** the fenced peer's disk per volume as DRBD last knew it; DUnknown once disconnected */
  peerDisks: string[];
  /** Pacemaker's view of each DRBD peer node, after any waiting (empty: the peer is not known) */
  peers: NodeCondition[];
  /** the CIB could be read from the DC in time */
  cib: boolean;
  quorum?: boolean;
  /** crm_mon shows the clone Promoted on a peer */
  peerPromoted: boolean;
  existing: Existing;
  /** unfence: leave a constraint that bans this node (--unfence-only-if-owner-match) */
  onlyIfOwner?: boolean;
}

export interface FenceDecision {
  /** place = create or replace the constraint by its id; remove = delete it by id */
  action: "place" | "remove" | "none";
  exit: FenceExit;
  reason: string;
}

const d = (action: FenceDecision["action"], exit: FenceExit, reason: string): FenceDecision => ({ action, exit, reason });
const WORSE_THAN_OUTDATED = new Set(["Inconsistent", "Diskless", "Failed"]);

export function decide(i: FenceInput): FenceDecision {
  return i.mode === "fence" ? decideFence(i) : decideUnfence(i);
}

function decideFence(i: FenceInput): FenceDecision {
  const { disks } = i.local;
  const upToDate = disks.length > 0 && disks.every((x) => x === "UpToDate");
  const consistent = disks.length > 0 && disks.every((x) => x === "UpToDate" || x === "Consistent");
  const peers: NodeCondition[] = i.peers.length ? i.peers : ["unknown"];
  const pd = i.peerDisks;
  if (!disks.length) return d("none", 1, "cannot read this node's disk state");
  if (pd.length && pd.every((x) => x === "UpToDate")) return d("none", 1, "the peer's disks are UpToDate: the connection is back, nothing to fence");
  if (i.existing === "equivalent") return d("none", 4, "an equivalent constraint is already in place");
  if (i.existing === "rejects-me") {
    return i.local.role === "Primary"
      ? d("none", 1, "DATA INTEGRITY at risk: this node is Primary but a constraint bans it from being Promoted; IO stays frozen")
      : d("none", 6, "a constraint bans this node from being Promoted: the peer fenced us first, outdating myself");
  }
  if (pd.length && pd.every((x) => WORSE_THAN_OUTDATED.has(x))) return d("none", 3, `the peer's disk is ${pd.join(",")}: it cannot be promoted`);
  if (pd.length && pd.every((x) => x === "Outdated" || WORSE_THAN_OUTDATED.has(x))) return d("none", 4, "the peer's disk is already Outdated");
  if (!i.cib) return d("none", 1, "cannot read the CIB from the DC: no decision, IO stays frozen");
  if (i.quorum !== true) return d("none", 1, "this partition has no quorum: not placing a constraint, IO stays frozen");
  const all = (c: NodeCondition) => peers.every((p) => p === c);
  if (i.local.role !== "Primary" && i.peerPromoted && all("online"))
    return d("none", 6, "the peer is Promoted and reachable: outdating myself");
  if (all("online") && consistent) return d("place", 4, "the peer is reachable: it may not be promoted while our data differs");
  if (all("clean-down") && upToDate) return d("place", 7, "the peer is down cleanly or fenced and our data is UpToDate");
  if (upToDate) return d("place", 5, `the peer is ${peers.join(",")} and our data is UpToDate: placing the constraint anyway`);
  return d("none", 5, `the peer is ${peers.join(",")} and our data is ${disks.join(",")}: no constraint`);
}

function decideUnfence(i: FenceInput): FenceDecision {
  if (!i.cib) return d("none", 1, "cannot read the CIB");
  if (i.existing === "none") return d("none", 0, "no constraint in place");
  if (i.onlyIfOwner && i.existing === "rejects-me") return d("none", 0, "the constraint bans this node and was placed by the peer: left to its owner (--unfence-only-if-owner-match)");
  const up = (xs: string[]) => xs.length > 0 && xs.every((x) => x === "UpToDate");
  if (up(i.local.disks) && up(i.peerDisks)) return d("remove", 0, "all disks UpToDate: removing the constraint");
  return d("none", 0, `not all disks UpToDate (local ${i.local.disks.join(",") || "unknown"}, peer ${i.peerDisks.join(",") || "unknown"}): the constraint stays`);
}

/**
 * Whether polling the CIB longer could change a fence decision: a peer that is lost but not yet
 * fenced (unclean), joining or leaving (pending), or unknown. With fencing on, returning before the
 * peer is fenced would let a Primary resume IO while the peer may still be alive and writable.
 * Without fencing nothing will change, so waiting only keeps IO frozen.
 */
export function worthWaiting(i: Pick<FenceInput, "mode" | "cib" | "peers">, stonithEnabled: boolean): boolean {
  if (i.mode !== "fence") return false;
  if (!i.cib) return true;
  const peers: NodeCondition[] = i.peers.length ? i.peers : ["unknown"];
  return stonithEnabled && peers.some((p) => p === "unclean" || p === "pending" || p === "unknown");
}

/**
 * decide()'s DRBD inputs from the resource state (9: events2; 8.4: resourceFromProc over /proc/drbd):
 * the local data disks, and the disks of the peers being fenced (all peers when none are named;
 * 8.4's single peer is node 0), DUnknown where DRBD reports nothing. No resource: nothing known.
 */
export function drbdInputs(r: DrbdResource | undefined, peerNodeIds?: number[], diskConfigured = true): Pick<FenceInput, "local" | "peerDisks"> {
  if (!r) return { local: { disks: [] }, peerDisks: [] };
  const ids = peerNodeIds ?? [...new Set([...r.connections.map((c) => c.peerNodeId), ...r.peerDevices.map((p) => p.peerNodeId)])];
  const peerDisks = ids.flatMap((id) =>
    r.devices.map((d) => r.peerDevices.find((p) => p.peerNodeId === id && p.volume === d.volume)?.peerDisk ?? "DUnknown"),
  );
  return {
    local: { role: r.role, disks: r.devices.filter((d) => !isClient(d, diskConfigured)).map((d) => d.disk ?? "DUnknown") },
    peerDisks: peerDisks.length ? peerDisks : r.devices.map(() => "DUnknown"),
  };
}
