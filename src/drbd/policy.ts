import type { DrbdResource } from "./events2";
import { facts, isClient, type Facts, type PeerFacts } from "./facts";

/**
 * What ocf:hanfs:drbd reports and scores, as pure functions of the parsed state (events2, or /proc/drbd
 * through resourceFromProc). Monitor codes (OCF 1.1; Pacemaker ≥ 2.0.5 records 190/191 as success
 * without a fail count, so "degraded" informs the admin and crm_mon without triggering recovery):
 *
 *   7    resource unknown to the kernel, or no volume: down
 *   1/9  a local volume Failed or Detaching (I/O error), or Diskless although a disk is configured:
 *        this node cannot hold data until the resource is restarted (9 when Primary: reads and writes
 *        now all go over the network, so Pacemaker should move the Primary to where the data is)
 *   190/191 running but not redundant (191 when Primary), the first cause found being reported:
 *        IO suspended; DRBD quorum lost (9); no peer at all (no network configuration); a
 *        connection not Connected (StandAlone, Connecting/WFConnection, NetworkFailure, …); a volume
 *        resyncing or otherwise not Established (SyncSource/SyncTarget/PausedSync*, WFBitMap*, Ahead/
 *        Behind; online verify counts as Established); a local disk not UpToDate (Consistent,
 *        Outdated, Inconsistent, Attaching, Negotiating); a disk-holding peer's disk not UpToDate
 *        (Outdated, Inconsistent, DUnknown, Consistent, Diskless, Failed)
 *   0/8  Secondary/Primary, connected, every disk UpToDate
 */
export const MONITOR = { SECONDARY: 0, FAILED: 1, NOT_RUNNING: 7, PRIMARY: 8, FAILED_PRIMARY: 9, DEGRADED: 190, DEGRADED_PRIMARY: 191 } as const;

export interface MonitorResult {
  code: number;
  reason?: string;
}

export interface StateOpts {
  /** the configuration gives this node a disk (8.4 cannot tell a failed disk from `disk none`) */
  diskConfigured?: boolean;
}

const REPLICATING = new Set(["Established", "VerifyS", "VerifyT"]);
const FAILED_DISKS = new Set(["Failed", "Detaching"]);
const peerName = (p: PeerFacts) => p.name ?? `peer ${p.nodeId}`;

export function monitorResult(r: DrbdResource | undefined, o: StateOpts = {}): MonitorResult {
  if (!r || !r.devices.length) return { code: MONITOR.NOT_RUNNING, reason: "not configured in the kernel" };
  const f = facts(r, o.diskConfigured);
  const failed = r.devices.find((d) => FAILED_DISKS.has(d.disk ?? "") || (d.disk === "Diskless" && !isClient(d, o.diskConfigured)));
  if (failed) return { code: f.primary ? MONITOR.FAILED_PRIMARY : MONITOR.FAILED, reason: `volume ${failed.volume}: local disk ${failed.disk}` };
  const why = degraded(r, f, o);
  if (why) return { code: f.primary ? MONITOR.DEGRADED_PRIMARY : MONITOR.DEGRADED, reason: why };
  return { code: f.primary ? MONITOR.PRIMARY : MONITOR.SECONDARY };
}

function degraded(r: DrbdResource, f: Facts, o: StateOpts): string | undefined {
  if (f.suspended) return `IO suspended (${f.suspended})`;
  if (f.quorumLost) return "DRBD quorum lost";
  if (!f.peers.length) return "no connection to a peer";
  const down = f.peers.find((p) => !p.connected);
  if (down) return `connection to ${peerName(down)} is ${down.state ?? "unknown"}`;
  const vols = r.devices.map((d) => d.volume);
  for (const p of f.peers) {
    const i = p.replication.findIndex((x) => !REPLICATING.has(x));
    if (i >= 0) return `volume ${vols[i]}: ${p.replication[i]} with ${peerName(p)}`;
  }
  const local = r.devices.find((d) => !isClient(d, o.diskConfigured) && d.disk !== "UpToDate");
  if (local) return `volume ${local.volume}: local disk ${local.disk ?? "unknown"}`;
  for (const p of f.peers.filter((x) => !x.client)) {
    const i = p.disks.findIndex((d) => d !== "UpToDate");
    if (i >= 0) return `volume ${vols[i]}: disk of ${peerName(p)} is ${p.disks[i]}`;
  }
  return undefined;
}

export type ScoreDecision = { kind: "set"; score: number; why: string } | { kind: "clear"; why: string } | { kind: "unchanged"; why: string };

export interface ScoreParams {
  /** adjust_master_score: only Consistent / only a remote UpToDate / local UpToDate, peer unknown / best */
  tiers: readonly [number, number, number, number];
  removeIfPeerPrimary?: boolean | "unexpected";
  /** for "unexpected": the clone's promoted-max, and whether Pacemaker has an instance promoted */
  promotedMax?: number;
  pacemakerHasPromoted?: boolean;
}

export const DEFAULT_TIERS = [0, 10, 1000, 10000] as const;

/** adjust_master_score: four non-decreasing integers, else undefined (linbit falls back to the default). */
export function parseTiers(s: string): readonly [number, number, number, number] | undefined {
  const t = s.trim().split(/\s+/);
  if (t.length !== 4 || !t.every((x) => /^-?\d{1,7}$/.test(x))) return undefined;
  const n = t.map(Number);
  return n.every((x, i) => i === 0 || n[i - 1] <= x) ? (n as unknown as [number, number, number, number]) : undefined;
}

/**
 * linbit's promotion-score table (drbd.ocf drbd_update_master_score); the first matching row wins.
 * A score ≤ 0 clears, as linbit does: a negative score made old Pacemaker restart the instance.
 */
export function promotionScore(r: DrbdResource | undefined, p: ScoreParams, o: StateOpts = {}): ScoreDecision {
  if (!r || !r.devices.length) return { kind: "clear", why: "not running" };
  const f = facts(r, o.diskConfigured);
  const [onlyConsistent, onlyRemote, localOk, best] = p.tiers;
  const set = (score: number, why: string): ScoreDecision => (score > 0 ? { kind: "set", score, why } : { kind: "clear", why });
  if (f.quorumLost) return { kind: "clear", why: "DRBD quorum lost" };
  const peerPrimaryBlocks = !f.primary && f.somePeerPrimary && f.somePeerAllUpToDate;
  if (peerPrimaryBlocks && p.removeIfPeerPrimary === true) return { kind: "clear", why: "connected to a healthy Primary peer" };
  if (peerPrimaryBlocks && p.removeIfPeerPrimary === "unexpected" && p.promotedMax === 1 && p.pacemakerHasPromoted === false)
    return { kind: "clear", why: "connected to a Primary peer that Pacemaker does not know about" };
  if (f.disklessClient) {
    if ((f.primary && f.somePeerAllUpToDate) || f.pdskAllUpToDate) return set(best - 1, "diskless client, all peers UpToDate");
    if (f.somePeerAllUpToDate) return set(localOk - 1, "diskless client, some peer UpToDate");
    return { kind: "clear", why: "diskless client without an UpToDate peer" };
  }
  if (f.diskAllUpToDate) {
    if (f.primary) return set(best, "Primary, UpToDate");
    if (f.pdskAnyUnknown) return set(localOk, "UpToDate, peer disk unknown");
    return set(best, "UpToDate, peer disks known");
  }
  if (f.somePeerAllUpToDate) return set(onlyRemote, "local disk not UpToDate, a peer is");
  if (f.diskTransitional) return { kind: "unchanged", why: "disk attaching or negotiating" };
  if (f.diskAllConsistent) return set(onlyConsistent, "only Consistent");
  return { kind: "clear", why: `no usable data (${f.disks.join(",") || "no disk"})` };
}

/** The write a decision needs given the attribute's current value: nothing when it already holds. */
export function scoreWrite(d: ScoreDecision, current: number | undefined): { set: number } | { clear: true } | undefined {
  if (d.kind === "set") return current === d.score ? undefined : { set: d.score };
  if (d.kind === "clear") return current === undefined ? undefined : { clear: true };
  return undefined;
}

/**
 * Why a promote must fail at once instead of asking DRBD (undefined: go ahead). Consistent is allowed:
 * DRBD 8.4 then calls the fence-peer handler, and a fenced/outdated peer makes the disk UpToDate.
 */
export function promoteRefusal(r: DrbdResource | undefined, o: StateOpts & { allowTwoPrimaries?: boolean } = {}): string | undefined {
  if (!r || !r.devices.length) return "not running";
  const f = facts(r, o.diskConfigured);
  if (f.primary) return undefined;
  if (f.quorumLost) return "DRBD quorum lost";
  if (f.disklessClient) return f.somePeerAllUpToDate ? undefined : "diskless client without an UpToDate peer";
  const bad = r.devices.find((d) => !isClient(d, o.diskConfigured) && d.disk !== "UpToDate" && d.disk !== "Consistent");
  if (bad) return `volume ${bad.volume}: local disk ${bad.disk ?? "unknown"} cannot be promoted`;
  const pri = f.peers.find((x) => x.role === "Primary");
  if (pri && !o.allowTwoPrimaries) return `${peerName(pri)} is Primary`;
  return undefined;
}

/**
 * One step of the promote loop, from the state read before each try:
 *   done    already Primary
 *   refuse  fail now: a disk DRBD would refuse (drbdsetup exit 17 territory), lost quorum, not
 *           running; or a Primary peer after the first try with fail_promote_early_if_peer_primary
 *   wait    a peer is Primary: DRBD may not have noticed yet that it crashed (retry until the deadline)
 *   try     run `drbdadm primary`
 * A Primary peer does not stop the first try: the try itself makes DRBD check the peer is alive.
 */
export type PromoteStep = { kind: "done" } | { kind: "try" } | { kind: "wait"; reason: string } | { kind: "refuse"; reason: string };

export function promoteStep(
  r: DrbdResource | undefined,
  o: StateOpts & { allowTwoPrimaries?: boolean; firstTry: boolean; failEarlyIfPeerPrimary?: boolean },
): PromoteStep {
  if (r?.role === "Primary") return { kind: "done" };
  const why = promoteRefusal(r, { ...o, allowTwoPrimaries: true });
  if (why) return { kind: "refuse", reason: why };
  const pri = facts(r!, o.diskConfigured).peers.find((x) => x.role === "Primary");
  if (!pri || o.allowTwoPrimaries || o.firstTry) return { kind: "try" };
  const reason = `${peerName(pri)} is still Primary`;
  return o.failEarlyIfPeerPrimary ? { kind: "refuse", reason } : { kind: "wait", reason };
}

export const isPeerPrimary = (r: DrbdResource) => facts(r).somePeerPrimary;

/** Every local and every disk-holding peer's volume UpToDate (unfence_if_all_uptodate, unfence). */
export function allUpToDate(r: DrbdResource, o: StateOpts = {}): boolean {
  const f = facts(r, o.diskConfigured);
  return (f.diskAllUpToDate || f.disklessClient) && f.pdskAllUpToDate;
}
