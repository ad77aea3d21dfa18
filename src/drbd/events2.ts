/**
 * One tolerant parser for `drbdsetup events2 --now [res]`, for DRBD 9 and for 8.4 through drbdsetup-84
 * (drbd-utils 9.x), which prints the same line format with `peer-node-id:0 conn-name:peer` faked.
 *
 *   exists resource name:r0 role:Secondary suspended:no force-io-failures:no may_promote:no promotion_score:10102
 *   exists connection name:r0 peer-node-id:1 conn-name:bob connection:Connected role:Primary
 *   exists device name:r0 volume:0 minor:0 backing_dev:/dev/vg/r0 disk:UpToDate client:no quorum:yes
 *   exists peer-device name:r0 peer-node-id:1 conn-name:bob volume:0 replication:Established peer-disk:UpToDate ...
 *   exists -
 *
 * Fields depend on the utils and kernel version, so lines are key:value sets: unknown keys, objects
 * (path, helper) and verbs (call, response, "- skipped") are ignored, objects may come in any order,
 * and create/change/destroy lines (events2 without --now) update the same state. Color escapes,
 * --timestamps prefixes and --diff "old->new" values are tolerated.
 */
export interface DrbdResource {
  name: string;
  /** Primary | Secondary (Unknown only transiently) */
  role?: string;
  /** "no", or a comma list of user, no-data, fencing, quorum */
  suspended?: string;
  /** drbd-utils ≥ 9.14 on DRBD 9 only */
  mayPromote?: boolean;
  promotionScore?: number;
  connections: DrbdConnection[];
  devices: DrbdDevice[];
  peerDevices: DrbdPeerDevice[];
}

export interface DrbdConnection {
  peerNodeId: number;
  connName?: string;
  /** StandAlone, Connecting, Connected, … (8.4's WFConnection prints as Connecting) */
  state?: string;
  peerRole?: string;
}

export interface DrbdDevice {
  volume: number;
  minor?: number;
  disk?: string;
  /** DRBD 9: intentionally diskless (a "client") */
  client?: boolean;
  /** DRBD 9 only; 8.4 has no DRBD quorum */
  quorum?: boolean;
  backingDev?: string;
}

export interface DrbdPeerDevice {
  peerNodeId: number;
  connName?: string;
  volume: number;
  /** Established, SyncSource, SyncTarget, … ("Off" when not connected) */
  replication?: string;
  peerDisk?: string;
  peerClient?: boolean;
  resyncSuspended?: string;
}

export interface Events2 {
  resources: Map<string, DrbdResource>;
  /** the `exists -` line was seen: the initial state dump is complete */
  complete: boolean;
}

const VERBS = new Set(["exists", "create", "change", "destroy", "rename"]);
/** keys whose --diff form is "old->new" */
const STATE_KEYS = new Set(["role", "suspended", "connection", "disk", "client", "quorum", "replication", "peer-disk", "peer-client", "resync-suspended", "may_promote", "promotion_score", "backing_dev"]);

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
const yes = (v: string | undefined) => (v === undefined ? undefined : v === "yes");

function fields(tokens: string[]): Map<string, string> {
  const kv = new Map<string, string>();
  for (const t of tokens) {
    const i = t.indexOf(":");
    if (i <= 0) continue;
    const k = t.slice(0, i);
    let v = t.slice(i + 1);
    if (STATE_KEYS.has(k) && v.includes("->")) v = v.slice(v.lastIndexOf("->") + 2);
    kv.set(k, v);
  }
  return kv;
}

export function parseEvents2(text: string, only?: string): Events2 {
  const out: Events2 = { resources: new Map(), complete: false };
  for (const raw of text.split("\n")) {
    const tokens = raw.replace(/\x1b\[[0-9;]*m/g, "").trim().split(/\s+/);
    if (/^\d{4}-\d\d-\d\dT/.test(tokens[0])) tokens.shift();
    const [verb, object] = tokens;
    if (!VERBS.has(verb)) continue;
    if (object === "-") {
      if (verb === "exists") out.complete = true;
      continue;
    }
    const kv = fields(tokens.slice(2));
    const name = kv.get("name");
    if (!name || (only !== undefined && name !== only)) continue;
    if (verb === "rename") {
      rename(out, name, kv.get("new_name"));
      continue;
    }
    apply(out, verb, object, name, kv);
  }
  return out;
}

function rename(out: Events2, from: string, to: string | undefined) {
  const r = out.resources.get(from);
  if (!r || !to) return;
  out.resources.delete(from);
  r.name = to;
  out.resources.set(to, r);
}

function apply(out: Events2, verb: string, object: string, name: string, kv: Map<string, string>) {
  let r = out.resources.get(name);
  if (object === "resource" && verb === "destroy") {
    out.resources.delete(name);
    return;
  }
  if (!r) {
    if (verb === "destroy") return;
    r = { name, connections: [], devices: [], peerDevices: [] };
    out.resources.set(name, r);
  }
  const destroy = verb === "destroy";
  const peer = num(kv.get("peer-node-id"));
  const vol = num(kv.get("volume"));
  switch (object) {
    case "resource":
      setIf(r, "role", kv.get("role"));
      setIf(r, "suspended", kv.get("suspended"));
      setIf(r, "mayPromote", yes(kv.get("may_promote")));
      setIf(r, "promotionScore", num(kv.get("promotion_score")));
      break;
    case "connection": {
      if (peer === undefined) return;
      const c = upsert<DrbdConnection>(r.connections, (x) => x.peerNodeId === peer, () => ({ peerNodeId: peer }), destroy);
      if (!c) return;
      setIf(c, "connName", kv.get("conn-name"));
      setIf(c, "state", kv.get("connection"));
      setIf(c, "peerRole", kv.get("role"));
      break;
    }
    case "device": {
      if (vol === undefined) return;
      const d = upsert<DrbdDevice>(r.devices, (x) => x.volume === vol, () => ({ volume: vol }), destroy);
      if (!d) return;
      setIf(d, "minor", num(kv.get("minor")));
      setIf(d, "disk", kv.get("disk"));
      setIf(d, "client", yes(kv.get("client")));
      setIf(d, "quorum", yes(kv.get("quorum")));
      setIf(d, "backingDev", kv.get("backing_dev"));
      break;
    }
    case "peer-device": {
      if (peer === undefined || vol === undefined) return;
      const p = upsert<DrbdPeerDevice>(r.peerDevices, (x) => x.peerNodeId === peer && x.volume === vol, () => ({ peerNodeId: peer, volume: vol }), destroy);
      if (!p) return;
      setIf(p, "connName", kv.get("conn-name"));
      setIf(p, "replication", kv.get("replication"));
      setIf(p, "peerDisk", kv.get("peer-disk"));
      setIf(p, "peerClient", yes(kv.get("peer-client")));
      setIf(p, "resyncSuspended", kv.get("resync-suspended"));
      break;
    }
  }
}

/** Find-or-create (in order of appearance); with `destroy`, remove it instead. */
function upsert<T>(list: T[], match: (x: T) => boolean, make: () => T, destroy: boolean): T | undefined {
  const i = list.findIndex(match);
  if (destroy) {
    if (i >= 0) list.splice(i, 1);
    return undefined;
  }
  if (i >= 0) return list[i];
  const x = make();
  list.push(x);
  return x;
}

function setIf<T, K extends keyof T>(o: T, k: K, v: T[K] | undefined) {
  if (v !== undefined) o[k] = v;
}
