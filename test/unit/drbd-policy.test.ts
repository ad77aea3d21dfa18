import { describe, expect, it } from "vitest";
import { parseEvents2, type DrbdResource } from "../../src/drbd/events2";
import { DEFAULT_TIERS, allUpToDate, monitorResult, promoteRefusal, promotionScore, type ScoreDecision } from "../../src/drbd/policy";
import { parseProcDrbd, resourceFromProc } from "../../src/drbd/proc";
import { events2v84, events2v9, procDrbd84, procUnconfigured, type Conn, type Role, type Shape } from "./drbd-fixtures";

const P = { tiers: DEFAULT_TIERS };
const from9 = (s: Shape) => parseEvents2(events2v9(s)).resources.get("r0");
const from84 = (s: Shape) => parseEvents2(events2v84(s)).resources.get("r0");
const fromProc = (s: Shape) => resourceFromProc(parseProcDrbd(procDrbd84(s)), "r0", Array.from({ length: s.volumes ?? 1 }, (_, i) => i));
const SOURCES = [
  ["DRBD 9 events2", from9],
  ["DRBD 8.4 events2 (drbdsetup-84)", from84],
  ["DRBD 8.4 /proc/drbd", fromProc],
] as const;
const score = (d: ScoreDecision) => (d.kind === "set" ? d.score : d.kind);

/**
 * Every disk × connection state, for a Secondary: the monitor code, and the promotion score for a
 * Secondary and for a Primary. Peer disk: UpToDate when Connected or SyncTarget, Inconsistent as
 * SyncSource, DUnknown when not connected. (Some rows DRBD itself never produces, such as an
 * UpToDate SyncTarget; the policy must still answer them sensibly.)
 */
const TABLE: [disk: string, conn: Conn, monitor: number, secondary: number | string, primary: number | string][] = [
  ["UpToDate", "Connected", 0, 10000, 10000],
  ["UpToDate", "StandAlone", 190, 1000, 10000],
  ["UpToDate", "WFConnection", 190, 1000, 10000],
  ["UpToDate", "SyncSource", 190, 10000, 10000],
  ["UpToDate", "SyncTarget", 190, 10000, 10000],
  ["Consistent", "Connected", 190, 10, 10],
  ["Consistent", "StandAlone", 190, "clear", "clear"],
  ["Consistent", "WFConnection", 190, "clear", "clear"],
  ["Consistent", "SyncSource", 190, "clear", "clear"],
  ["Consistent", "SyncTarget", 190, 10, 10],
  ["Outdated", "Connected", 190, 10, 10],
  ["Outdated", "StandAlone", 190, "clear", "clear"],
  ["Outdated", "WFConnection", 190, "clear", "clear"],
  ["Outdated", "SyncSource", 190, "clear", "clear"],
  ["Outdated", "SyncTarget", 190, 10, 10],
  ["Inconsistent", "Connected", 190, 10, 10],
  ["Inconsistent", "StandAlone", 190, "clear", "clear"],
  ["Inconsistent", "WFConnection", 190, "clear", "clear"],
  ["Inconsistent", "SyncSource", 190, "clear", "clear"],
  ["Inconsistent", "SyncTarget", 190, 10, 10],
  ["Diskless", "Connected", 1, 10, 10],
  ["Diskless", "StandAlone", 1, "clear", "clear"],
  ["Diskless", "WFConnection", 1, "clear", "clear"],
  ["Diskless", "SyncSource", 1, "clear", "clear"],
  ["Diskless", "SyncTarget", 1, 10, 10],
];
const PRIMARY_CODE: Record<number, number> = { 0: 8, 1: 9, 190: 191 };

describe.each(SOURCES)("policy over %s", (_, read) => {
  const rows = TABLE.flatMap(([disk, conn, mon, sec, pri]) =>
    (["Secondary", "Primary"] as Role[]).map((role) => ({ role, disk, conn, mon: role === "Primary" ? PRIMARY_CODE[mon] : mon, sc: role === "Primary" ? pri : sec })),
  );
  it.each(rows)("$role $disk $conn → monitor $mon, score $sc", ({ role, disk, conn, mon, sc }) => {
    const shape = { role, disk, conn };
    const r = read(shape);
    if (read === fromProc && procUnconfigured(shape)) {
      // /proc/drbd cannot tell this minor from an unconfigured one: the handler treats it as down
      expect(r).toBeUndefined();
      return;
    }
    const m = monitorResult(r);
    expect(m.code, m.reason).toBe(mon);
    if (mon !== 0 && mon !== 8) expect(m.reason).toBeTruthy();
    expect(score(promotionScore(r, P))).toBe(sc);
  });

  it("two volumes: the worst volume decides", () => {
    const two = (disk: string) => read({ role: "Secondary", disk, conn: "Connected", volumes: 2 })!;
    expect(monitorResult(two("UpToDate")).code).toBe(0);
    const r = two("UpToDate");
    r.devices[1].disk = "Outdated";
    expect(monitorResult(r)).toEqual({ code: 190, reason: "volume 1: local disk Outdated" });
    expect(score(promotionScore(r, P))).toBe(10);
  });
});

describe("monitor details", () => {
  const base = (s: Partial<Shape> = {}) => from9({ role: "Secondary", disk: "UpToDate", conn: "Connected", ...s })!;
  it("down: no resource, or a resource without volumes", () => {
    expect(monitorResult(undefined).code).toBe(7);
    expect(monitorResult({ ...base(), devices: [] }).code).toBe(7);
  });
  it("reasons name the cause", () => {
    expect(monitorResult(from9({ role: "Primary", disk: "UpToDate", conn: "StandAlone" }))).toEqual({ code: 191, reason: "connection to delta is StandAlone" });
    expect(monitorResult(from84({ role: "Primary", disk: "UpToDate", conn: "StandAlone" }))).toEqual({ code: 191, reason: "connection to peer 0 is StandAlone" });
    expect(monitorResult(from84({ role: "Secondary", disk: "UpToDate", conn: "WFConnection" }))).toEqual({ code: 190, reason: "connection to peer is Connecting" });
    expect(monitorResult(from9({ role: "Secondary", disk: "Inconsistent", conn: "SyncTarget" }))).toEqual({ code: 190, reason: "volume 0: SyncTarget with delta" });
    expect(monitorResult(from9({ role: "Primary", disk: "UpToDate", conn: "Connected", peerDisk: "Outdated" }))).toEqual({ code: 191, reason: "volume 0: disk of delta is Outdated" });
    expect(monitorResult(from9({ role: "Primary", disk: "Diskless", conn: "Connected" }))).toEqual({ code: 9, reason: "volume 0: local disk Diskless" });
  });
  it("Failed and Detaching disks are failures", () => {
    expect(monitorResult(base({ disk: "Failed" })).code).toBe(1);
    expect(monitorResult(base({ role: "Primary", disk: "Detaching" })).code).toBe(9);
  });
  it("an intentionally diskless node (9 client:yes, or 8.4 with `disk none`) is not failed", () => {
    const r = base({ disk: "Diskless" });
    r.devices[0].client = true;
    expect(monitorResult(r).code).toBe(0);
    const r84 = from84({ role: "Secondary", disk: "Diskless", conn: "Connected" })!;
    expect(monitorResult(r84).code).toBe(1);
    expect(monitorResult(r84, { diskConfigured: false }).code).toBe(0);
  });
  it("a diskless peer (peer-client:yes) is not a degraded peer", () => {
    const r = base({ peerDisk: "Diskless" });
    expect(monitorResult(r).code).toBe(190);
    r.peerDevices[0].peerClient = true;
    expect(monitorResult(r).code).toBe(0);
  });
  it("suspended IO and lost DRBD quorum are degraded", () => {
    expect(monitorResult({ ...base({ role: "Primary" }), suspended: "fencing" })).toEqual({ code: 191, reason: "IO suspended (fencing)" });
    const r = base();
    r.devices[0].quorum = false;
    expect(monitorResult(r)).toEqual({ code: 190, reason: "DRBD quorum lost" });
  });
  it("online verify keeps replicating: not degraded; Ahead/Behind and paused resync are", () => {
    for (const [repl, code] of [["VerifyS", 0], ["VerifyT", 0], ["Ahead", 190], ["Behind", 190], ["PausedSyncS", 190], ["WFBitMapT", 190]] as const) {
      const r = base();
      r.peerDevices[0].replication = repl;
      expect(monitorResult(r).code, repl).toBe(code);
    }
  });
  it("three nodes (DRBD 9): one peer down is enough to be degraded", () => {
    const r = parseEvents2(`${events2v9({ role: "Primary", disk: "UpToDate", conn: "Connected" })}
exists connection name:r0 peer-node-id:2 conn-name:gamma connection:Connecting role:Unknown
exists peer-device name:r0 peer-node-id:2 conn-name:gamma volume:0 replication:Off peer-disk:DUnknown peer-client:no resync-suspended:no`).resources.get("r0")!;
    expect(monitorResult(r)).toEqual({ code: 191, reason: "connection to gamma is Connecting" });
  });
});

describe("promotion score details", () => {
  const base = (s: Partial<Shape> = {}) => from9({ role: "Secondary", disk: "UpToDate", conn: "Connected", ...s })!;
  it("adjust_master_score tiers are used as given", () => {
    const tiers = [5, 50, 500, 5000] as const;
    expect(score(promotionScore(base(), { tiers }))).toBe(5000);
    expect(score(promotionScore(base({ conn: "StandAlone" }), { tiers }))).toBe(500);
    expect(score(promotionScore(base({ disk: "Outdated" }), { tiers }))).toBe(50);
    expect(score(promotionScore(base({ disk: "Consistent", conn: "StandAlone" }), { tiers }))).toBe(5);
  });
  it("Attaching/Negotiating leave the score alone; with an UpToDate peer the remote tier wins", () => {
    expect(promotionScore(base({ disk: "Attaching", conn: "StandAlone" }), P).kind).toBe("unchanged");
    expect(promotionScore(base({ disk: "Negotiating", conn: "WFConnection" }), P).kind).toBe("unchanged");
    expect(score(promotionScore(base({ disk: "Negotiating" }), P))).toBe(10);
  });
  it("lost DRBD quorum clears even an UpToDate Primary", () => {
    const r = base({ role: "Primary" });
    r.devices[0].quorum = false;
    expect(promotionScore(r, P)).toEqual({ kind: "clear", why: "DRBD quorum lost" });
  });
  it("remove_master_score_if_peer_primary: true clears next to a healthy Primary; unexpected only if Pacemaker knows no Promoted", () => {
    const r = base({ peerRole: "Primary" });
    expect(score(promotionScore(r, P))).toBe(10000);
    expect(score(promotionScore(r, { ...P, removeIfPeerPrimary: true }))).toBe("clear");
    expect(score(promotionScore(r, { ...P, removeIfPeerPrimary: "unexpected", promotedMax: 1, pacemakerHasPromoted: true }))).toBe(10000);
    expect(score(promotionScore(r, { ...P, removeIfPeerPrimary: "unexpected", promotedMax: 1, pacemakerHasPromoted: false }))).toBe("clear");
    expect(score(promotionScore(r, { ...P, removeIfPeerPrimary: "unexpected", promotedMax: 2, pacemakerHasPromoted: false }))).toBe(10000);
    // an unhealthy Primary peer does not take the score away
    expect(score(promotionScore(base({ peerRole: "Primary", peerDisk: "Outdated" }), { ...P, removeIfPeerPrimary: true }))).toBe(10000);
  });
  it("diskless clients (9): best-1 with an UpToDate peer, nothing without", () => {
    const client = (s: Partial<Shape>) => {
      const r = base({ disk: "Diskless", ...s });
      r.devices[0].client = true;
      return r;
    };
    expect(score(promotionScore(client({}), P))).toBe(9999);
    expect(score(promotionScore(client({ role: "Primary" }), P))).toBe(9999);
    expect(score(promotionScore(client({ conn: "StandAlone" }), P))).toBe("clear");
  });
});

describe("helpers for promote and unfence", () => {
  it("promoteRefusal: refuses at once what DRBD would refuse; Consistent goes through the fence handler", () => {
    const r = (s: Partial<Shape>) => from84({ role: "Secondary", disk: "UpToDate", conn: "StandAlone", ...s });
    expect(promoteRefusal(r({}))).toBeUndefined();
    expect(promoteRefusal(r({ disk: "Consistent" }))).toBeUndefined();
    expect(promoteRefusal(r({ disk: "Outdated" }))).toBe("volume 0: local disk Outdated cannot be promoted");
    expect(promoteRefusal(r({ disk: "Inconsistent", conn: "SyncTarget" }))).toMatch(/Inconsistent/);
    expect(promoteRefusal(r({ disk: "Diskless" }))).toMatch(/Diskless/);
    expect(promoteRefusal(r({ conn: "Connected", peerRole: "Primary" }))).toBe("peer is Primary");
    expect(promoteRefusal(r({ conn: "Connected", peerRole: "Primary" }), { allowTwoPrimaries: true })).toBeUndefined();
    expect(promoteRefusal(undefined)).toBe("not running");
    expect(promoteRefusal(r({ role: "Primary" }))).toBeUndefined();
  });
  it("allUpToDate needs every local and peer volume UpToDate and a connected peer", () => {
    expect(allUpToDate(from9({ role: "Primary", disk: "UpToDate", conn: "Connected" })!)).toBe(true);
    expect(allUpToDate(from9({ role: "Primary", disk: "UpToDate", conn: "StandAlone" })!)).toBe(false);
    expect(allUpToDate(from84({ role: "Primary", disk: "UpToDate", conn: "StandAlone" })!)).toBe(false);
    expect(allUpToDate(from9({ role: "Primary", disk: "UpToDate", conn: "SyncSource" })!)).toBe(false);
  });
});
