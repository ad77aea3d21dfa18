import { classifyExisting, fenceConstraintXml, fenceIds, locationById, type Existing } from "../cib/constraints";
import { cibNodes, cibQuorum, monQuorum, type NodeCondition } from "../cib/nodes";
import { stonithEnabled } from "../cib/options";
import { promotableFor, promotedNodes } from "../cib/resources";
import type { El } from "../xml";

/**
 * Everything the fence handler reads from Pacemaker, in one pure step over `cibadmin -Q` (from the
 * DC) and `crm_mon --output-as=xml` (for the promoted instances; optional): the inputs decide()
 * needs plus the constraint to write.
 */
export type ClusterView =
  | {
      ok: true;
      clone: string;
      constraintId: string;
      constraintXml: string;
      existing: Existing;
      quorum?: boolean;
      stonith: boolean;
      peers: NodeCondition[];
      peerPromoted: boolean;
    }
  | { ok: false; reason: string };

export interface ViewSpec {
  res: string;
  /** this node's Pacemaker name (crm_node -n) */
  me: string;
  /** DRBD's names of the peers to fence; empty when DRBD did not say */
  peers: string[];
  /** nodes that may stay Promoted: this node, plus other UpToDate nodes on DRBD 9 */
  keep: string[];
  /** the promotable clone's id when given (--master-id); else found by drbd_resource */
  clone?: string;
}

export function clusterView(cib: El, mon: El | undefined, s: ViewSpec): ClusterView {
  const p = s.clone ? { ok: true as const, clone: s.clone } : promotableFor(cib, s.res);
  if (!p.ok) return p;
  const nodes = cibNodes(cib);
  // a constraint keeping a name the cluster does not know would ban every node
  if (!nodes.has(s.me)) return { ok: false, reason: `this node's name ${s.me} is not a node of the cluster (crm_node -n and the CIB disagree)` };
  // 8.4 may not name the peer; in a two-node cluster the other node is it (as linbit assumes)
  const others = [...nodes.keys()].filter((n) => n !== s.me);
  const peerNames = s.peers.length ? s.peers : others.length === 1 ? others : [];
  const spec = { res: s.res, clone: p.clone, keep: s.keep.includes(s.me) ? s.keep : [s.me, ...s.keep] };
  const id = fenceIds(s.res, p.clone).constraint;
  return {
    ok: true,
    clone: p.clone,
    constraintId: id,
    constraintXml: fenceConstraintXml(spec),
    existing: classifyExisting(locationById(cib, id), spec, s.me),
    quorum: cibQuorum(cib) ?? (mon && monQuorum(mon)),
    stonith: stonithEnabled(cib),
    peers: peerNames.map((n) => nodes.get(n)?.condition ?? "unknown"),
    peerPromoted: mon ? promotedNodes(mon, p.clone).some((n) => n !== s.me) : false,
  };
}
