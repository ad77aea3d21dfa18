import { describe, expect, it } from "vitest";
import { parseEvents2 } from "../../src/drbd/events2";
import { decide, drbdInputs, worthWaiting, type FenceInput } from "../../src/drbd/fence";
import { readHandlerEnv } from "../../src/drbd/handler-env";
import { parseProcDrbd, resourceFromProc } from "../../src/drbd/proc";
import { events2v84, events2v9, procDrbd84 } from "./drbd-fixtures";

const base: FenceInput = {
  mode: "fence",
  local: { role: "Primary", disks: ["UpToDate"] },
  peerDisks: ["DUnknown"],
  peers: ["online"],
  cib: true,
  quorum: true,
  peerPromoted: false,
  existing: "none",
};
type Row = [what: string, change: Partial<FenceInput>, action: "place" | "remove" | "none", exit: number];
const sec = (disks = ["UpToDate"]) => ({ local: { role: "Secondary", disks } });
const pri = (disks: string[]) => ({ local: { role: "Primary", disks } });

const FENCE: Row[] = [
  ["own disk state unreadable", { local: { role: "Primary", disks: [] } }, "none", 1],
  ["peer disks UpToDate again (reconnected)", { peerDisks: ["UpToDate"] }, "none", 1],
  ["equivalent constraint already there", { existing: "equivalent" }, "none", 4],
  ["equivalent constraint, even without quorum", { existing: "equivalent", quorum: false }, "none", 4],
  ["constraint rejects me, I am Secondary", { existing: "rejects-me", ...sec() }, "none", 6],
  ["constraint rejects me, I am Primary", { existing: "rejects-me" }, "none", 1],
  ["peer Inconsistent", { peerDisks: ["Inconsistent"] }, "none", 3],
  ["peer Diskless", { peerDisks: ["Diskless", "Failed"] }, "none", 3],
  ["peer Outdated", { peerDisks: ["Outdated"] }, "none", 4],
  ["peer Outdated and Inconsistent", { peerDisks: ["Outdated", "Inconsistent"] }, "none", 4],
  ["CIB unreadable", { cib: false }, "none", 1],
  ["no quorum", { quorum: false }, "none", 1],
  ["quorum unknown", { quorum: undefined }, "none", 1],
  ["peer reachable, UpToDate", {}, "place", 4],
  ["peer reachable, Consistent", pri(["Consistent"]), "place", 4],
  ["peer reachable, Outdated", pri(["Outdated"]), "none", 5],
  ["peer reachable and Promoted, I am Secondary", { ...sec(), peerPromoted: true }, "none", 6],
  ["peer reachable and Promoted, I am Primary too", { peerPromoted: true }, "place", 4],
  ["peer Promoted but lost, I am Secondary UpToDate", { ...sec(), peerPromoted: true, peers: ["unclean"] }, "place", 5],
  ["peer cleanly down/fenced, UpToDate", { peers: ["clean-down"] }, "place", 7],
  ["peer cleanly down/fenced, only Consistent", { peers: ["clean-down"], ...sec(["Consistent"]) }, "none", 5],
  ["peer unclean, UpToDate", { peers: ["unclean"] }, "place", 5],
  ["peer unclean, Consistent", { peers: ["unclean"], ...sec(["Consistent"]) }, "none", 5],
  ["peer pending, UpToDate", { peers: ["pending"] }, "place", 5],
  ["peer unknown to the CIB, UpToDate", { peers: ["unknown"] }, "place", 5],
  ["DRBD peer not known at all, UpToDate", { peers: [] }, "place", 5],
  ["two volumes, one Consistent, peer fenced", { peers: ["clean-down"], ...pri(["UpToDate", "Consistent"]) }, "none", 5],
  ["two peers, one fenced, one unclean (DRBD 9)", { peers: ["clean-down", "unclean"] }, "place", 5],
  ["a different constraint with our id is replaced", { existing: "other" }, "place", 4],
];

const UNFENCE: Row[] = [
  ["CIB unreadable", { cib: false }, "none", 1],
  ["no constraint", { existing: "none", peerDisks: ["UpToDate"] }, "none", 0],
  ["ours, all UpToDate", { existing: "equivalent", peerDisks: ["UpToDate"] }, "remove", 0],
  ["it bans me (after-resync-target runs on the SyncTarget), all UpToDate", { existing: "rejects-me", ...sec(), peerDisks: ["UpToDate"] }, "remove", 0],
  ["another shape, all UpToDate", { existing: "other", peerDisks: ["UpToDate", "UpToDate"], ...pri(["UpToDate", "UpToDate"]) }, "remove", 0],
  ["peer still Inconsistent", { existing: "equivalent", peerDisks: ["Inconsistent"] }, "none", 0],
  ["peer disk unknown", { existing: "equivalent", peerDisks: [] }, "none", 0],
  ["one local volume not UpToDate", { existing: "equivalent", ...pri(["UpToDate", "Inconsistent"]), peerDisks: ["UpToDate", "UpToDate"] }, "none", 0],
];

describe("fence-peer decision", () => {
  it.each(FENCE)("%s → %s, exit %i", (_, change, action, exit) => {
    const d = decide({ ...base, ...change });
    expect({ action: d.action, exit: d.exit }).toEqual({ action, exit });
    expect(d.reason).toBeTruthy();
  });
});

describe("unfence decision", () => {
  it.each(UNFENCE)("%s → %s, exit %i", (_, change, action, exit) => {
    const d = decide({ ...base, mode: "unfence", ...change });
    expect({ action: d.action, exit: d.exit }).toEqual({ action, exit });
  });
});

describe("worth waiting for Pacemaker", () => {
  it.each([
    [{ peers: ["unclean"] }, true, true],
    [{ peers: ["pending"] }, true, true],
    [{ peers: [] }, true, true],
    [{ peers: ["unclean"] }, false, false],
    [{ peers: ["online"] }, true, false],
    [{ peers: ["clean-down"] }, true, false],
    [{ peers: ["clean-down", "unclean"] }, true, true],
    [{ cib: false }, false, true],
    [{ mode: "unfence", peers: ["unclean"] }, true, false],
  ] as [Partial<FenceInput>, boolean, boolean][])("%j with stonith %s → %s", (change, stonith, wait) => {
    expect(worthWaiting({ ...base, ...change }, stonith)).toBe(wait);
  });
});

describe("handler environment", () => {
  const E84 = { DRBD_RESOURCE: "r0", DRBD_CONF: "/etc/drbd.conf", DRBD_MINOR: "0 1", DRBD_PEER: "delta", DRBD_PEERS: "delta", DRBD_PEER_ADDRESS: "198.51.100.12", DRBD_PEER_AF: "ipv4" };
  const E9 = {
    DRBD_RESOURCE: "r0",
    DRBD_CONF: "/etc/drbd.conf",
    DRBD_PEER_NODE_ID: "1",
    DRBD_MY_NODE_ID: "0",
    DRBD_NODE_ID_0: "alpha",
    DRBD_NODE_ID_1: "delta",
    DRBD_NODE_ID_2: "gamma",
    UP_TO_DATE_NODES: "0x00000005",
    DRBD_MINOR_1: "1",
    DRBD_MINOR_0: "0",
    DRBD_CSTATE: "Connecting",
    DRBD_PEER_ADDRESS: "198.51.100.12",
  };

  it("8.4 fence-peer", () => {
    expect(readHandlerEnv(E84)).toEqual({ ok: true, env: { family: "8.4", resource: "r0", conf: "/etc/drbd.conf", minors: [0, 1], peers: ["delta"], upToDatePeers: [] } });
  });
  it("8.4 after-resync-target and a peer drbdadm could not name", () => {
    const r = readHandlerEnv({ DRBD_RESOURCE: "r0", DRBD_MINOR: "3", DRBD_VOLUME: "0", DRBD_LL_DISK: "/dev/vg/r0" });
    expect(r).toEqual({ ok: true, env: { family: "8.4", resource: "r0", conf: undefined, minors: [3], peers: [], upToDatePeers: [] } });
  });
  it("9 fence-peer: peers outside UP_TO_DATE_NODES, minors per volume", () => {
    expect(readHandlerEnv(E9)).toEqual({
      ok: true,
      env: { family: "9", resource: "r0", conf: "/etc/drbd.conf", minors: [0, 1], peers: ["delta"], upToDatePeers: ["gamma"], myName: "alpha", peerName: "delta", peerNodeId: 1, myNodeId: 0 },
    });
  });
  it("9: a 64-bit mask (no local disk) and drbdadm's DRBD_MINOR list", () => {
    const r = readHandlerEnv({ ...E9, UP_TO_DATE_NODES: "0xFFFFFFFFFFFFFFFF", DRBD_MINOR_0: undefined, DRBD_MINOR_1: undefined, DRBD_MINOR: "0 1" });
    expect(r).toMatchObject({ ok: true, env: { peers: [], upToDatePeers: ["delta", "gamma"], minors: [0, 1] } });
  });
  it.each([
    [{ ...E84, DRBD_RESOURCE: undefined }, /DRBD_RESOURCE/],
    [{ ...E84, DRBD_RESOURCE: "-x" }, /DRBD_RESOURCE/],
    [{ ...E84, DRBD_RESOURCE: "r0;reboot" }, /DRBD_RESOURCE/],
    [{ ...E84, DRBD_CONF: "drbd.conf" }, /DRBD_CONF/],
    [{ ...E84, DRBD_MINOR: "0 x" }, /DRBD_MINOR/],
    [{ ...E84, DRBD_PEERS: "delta -rf" }, /DRBD_PEERS/],
    [{ ...E9, DRBD_MY_NODE_ID: "32" }, /DRBD_MY_NODE_ID/],
    [{ ...E9, DRBD_MY_NODE_ID: undefined }, /DRBD_MY_NODE_ID/],
    [{ ...E9, DRBD_PEER_NODE_ID: "x" }, /DRBD_PEER_NODE_ID/],
    [{ ...E9, UP_TO_DATE_NODES: "5" }, /UP_TO_DATE_NODES/],
    [{ ...E9, UP_TO_DATE_NODES: undefined }, /UP_TO_DATE_NODES/],
    [{ ...E9, DRBD_NODE_ID_1: "$(reboot)" }, /DRBD_NODE_ID_1/],
  ])("rejects %j", (env, why) => {
    const r = readHandlerEnv(env);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(why);
  });
});

describe("DRBD inputs of the decision", () => {
  it("8.4 through /proc/drbd: Primary alone after the link broke", () => {
    const r = resourceFromProc(parseProcDrbd(procDrbd84({ role: "Primary", disk: "UpToDate", conn: "WFConnection", volumes: 2 })), "r0", [0, 1]);
    expect(drbdInputs(r)).toEqual({ local: { role: "Primary", disks: ["UpToDate", "UpToDate"] }, peerDisks: ["DUnknown", "DUnknown"] });
  });
  it("8.4 StandAlone (peer devices without a name): peer disks unknown, one per volume", () => {
    const r = parseEvents2(events2v84({ role: "Secondary", disk: "Consistent", conn: "StandAlone" })).resources.get("r0");
    expect(drbdInputs(r)).toEqual({ local: { role: "Secondary", disks: ["Consistent"] }, peerDisks: ["DUnknown"] });
  });
  it("9: only the named peer's disks; a peer that is already Outdated", () => {
    const text = `${events2v9({ role: "Primary", disk: "UpToDate", conn: "WFConnection" })}
exists peer-device name:r0 peer-node-id:2 conn-name:gamma volume:0 replication:Off peer-disk:Outdated peer-client:no resync-suspended:no`;
    const r = parseEvents2(text).resources.get("r0");
    expect(drbdInputs(r, [1]).peerDisks).toEqual(["DUnknown"]);
    expect(drbdInputs(r, [2]).peerDisks).toEqual(["Outdated"]);
    expect(drbdInputs(r).peerDisks).toEqual(["DUnknown", "Outdated"]);
  });
  it("resource down: nothing known (the decision then exits 1)", () => {
    expect(drbdInputs(undefined)).toEqual({ local: { disks: [] }, peerDisks: [] });
    expect(decide({ ...base, ...drbdInputs(undefined) }).exit).toBe(1);
  });
});
