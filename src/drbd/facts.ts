import type { DrbdDevice, DrbdResource } from "./events2";

/**
 * What the policies ask of a resource's state, computed once: are we Primary, is our data good, what do
 * we know about each peer's data. Intentionally diskless volumes (DRBD 9 "clients") are kept apart:
 * they hold no data, so they count neither as failed disks nor as good replicas.
 */
export interface Facts {
  primary: boolean;
  volumes: number;
  /** every local volume is intentionally diskless (DRBD 9 client) */
  disklessClient: boolean;
  /** local disk states of the volumes that have (or should have) a disk */
  disks: string[];
  diskAllUpToDate: boolean;
  /** all Consistent or UpToDate */
  diskAllConsistent: boolean;
  /** some disk is Attaching or Negotiating: the state is about to change */
  diskTransitional: boolean;
  /** DRBD 9 device quorum:no on some volume (8.4 has no DRBD quorum: never true there) */
  quorumLost: boolean;
  /** IO frozen: user, no-data, fencing or quorum suspension */
  suspended?: string;
  peers: PeerFacts[];
  somePeerPrimary: boolean;
  /** some disk-holding peer has every volume UpToDate */
  somePeerAllUpToDate: boolean;
  /** there are disk-holding peers and every one of them has every volume UpToDate */
  pdskAllUpToDate: boolean;
  /**
   * some disk-holding peer's disk is unknown (DUnknown or not reported), or no peer is known at all
   * (a resource without a network configuration): that must not read as "every peer disk known"
   */
  pdskAnyUnknown: boolean;
}

export interface PeerFacts {
  nodeId: number;
  name?: string;
  /** connection state; undefined when only peer-device lines name this peer */
  state?: string;
  connected: boolean;
  role?: string;
  /** peer disk per local volume, "DUnknown" where DRBD reported none */
  disks: string[];
  /** replication state per local volume */
  replication: string[];
  /** the peer is intentionally diskless on every volume */
  client: boolean;
}

export const TRANSITIONAL = new Set(["Attaching", "Negotiating"]);

/**
 * A volume is intentionally diskless when DRBD 9 says so (client:yes). 8.4 does not report it: there
 * the caller says whether the configuration gives this node a disk (`disk none` makes it a client).
 */
export const isClient = (d: DrbdDevice, diskConfigured = true) =>
  d.disk === "Diskless" && (d.client ?? !diskConfigured);

export function facts(r: DrbdResource, diskConfigured = true): Facts {
  const vols = r.devices.map((d) => d.volume);
  const dataVols = r.devices.filter((d) => !isClient(d, diskConfigured));
  const disks = dataVols.map((d) => d.disk ?? "DUnknown");
  const ids = [...new Set([...r.connections.map((c) => c.peerNodeId), ...r.peerDevices.map((p) => p.peerNodeId)])];
  const peers = ids.map((id): PeerFacts => {
    const c = r.connections.find((x) => x.peerNodeId === id);
    const pds = vols.map((v) => r.peerDevices.find((p) => p.peerNodeId === id && p.volume === v));
    return {
      nodeId: id,
      name: c?.connName ?? pds.find((p) => p?.connName)?.connName,
      state: c?.state,
      connected: c?.state === "Connected",
      role: c?.peerRole,
      disks: pds.map((p) => p?.peerDisk ?? "DUnknown"),
      replication: pds.map((p) => p?.replication ?? "Off"),
      client: pds.length > 0 && pds.every((p) => p?.peerClient === true),
    };
  });
  const dataPeers = peers.filter((p) => !p.client);
  const peerAllUp = (p: PeerFacts) => p.disks.every((d) => d === "UpToDate");
  const suspended = r.suspended && r.suspended !== "no" ? r.suspended : undefined;
  return {
    primary: r.role === "Primary",
    volumes: r.devices.length,
    disklessClient: r.devices.length > 0 && dataVols.length === 0,
    disks,
    diskAllUpToDate: dataVols.length > 0 && disks.every((d) => d === "UpToDate"),
    diskAllConsistent: dataVols.length > 0 && disks.every((d) => d === "UpToDate" || d === "Consistent"),
    diskTransitional: disks.some((d) => TRANSITIONAL.has(d)),
    quorumLost: r.devices.some((d) => d.quorum === false),
    suspended,
    peers,
    somePeerPrimary: peers.some((p) => p.role === "Primary"),
    somePeerAllUpToDate: dataPeers.some(peerAllUp),
    pdskAllUpToDate: dataPeers.length > 0 && dataPeers.every(peerAllUp),
    pdskAnyUnknown: peers.length === 0 || dataPeers.some((p) => p.disks.some((d) => d === "DUnknown")),
  };
}
