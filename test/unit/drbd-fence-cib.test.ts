import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decide, worthWaiting } from "../../src/drbd/fence";
import { clusterView, type ViewSpec } from "../../src/drbd/fence-cib";
import { parseXml } from "../../src/xml";

/** The handler's whole reading of Pacemaker, over the real 2.1.5 captures: delta is Promoted, alpha its peer. */
const FIX = join(__dirname, "fixtures/cib");
const raw = (name: string, kind: "cib" | "mon") => readFileSync(join(FIX, `${name}.${kind}.xml`), "utf8");
const noConstraint = (xml: string) => xml.replace(/<rsc_location [\s\S]*?<\/rsc_location>/g, "");

function view(name: string, s: Partial<ViewSpec> = {}, edit = (x: string) => x) {
  const spec = { res: "r0", me: "delta", peers: ["alpha"], keep: ["delta"], ...s };
  const v = clusterView(parseXml(edit(raw(name, "cib"))), parseXml(edit(raw(name, "mon"))), spec);
  if (!v.ok) throw new Error(v.reason);
  return v;
}

const primaryUpToDate = { role: "Primary", disks: ["UpToDate"] };
const secondaryUpToDate = { role: "Secondary", disks: ["UpToDate"] };

function fence(name: string, local = primaryUpToDate, s: Partial<ViewSpec> = {}, edit?: (x: string) => string) {
  const v = view(name, s, edit);
  return { view: v, decision: decide({ mode: "fence", local, peerDisks: ["DUnknown"], cib: true, ...v }) };
}

describe("fence-peer on the Promoted node (delta) as the peer alpha goes away", () => {
  it.each([
    ["online", "online", "place", 4, false],
    ["peer-unclean", "unclean", "place", 5, true],
    ["peer-fenced", "clean-down", "place", 7, false],
    ["peer-pacemaker-stopped", "pending", "place", 5, true],
    ["peer-clean-down", "clean-down", "place", 7, false],
  ] as const)("%s: alpha is %s → %s, exit %i (wait first: %s)", (name, cond, action, exit, wait) => {
    const { view: v, decision } = fence(name, primaryUpToDate, {}, noConstraint);
    expect(v).toMatchObject({ clone: "ms_drbd_r0", existing: "none", quorum: true, stonith: true, peers: [cond], peerPromoted: false });
    expect(worthWaiting({ mode: "fence", cib: true, peers: v.peers }, v.stonith)).toBe(wait);
    expect({ action: decision.action, exit: decision.exit }).toEqual({ action, exit });
  });

  it("the constraint already placed (a second call, or the other volume) is recognized: exit 4, nothing written", () => {
    const { view: v, decision } = fence("peer-unclean");
    expect(v.existing).toBe("equivalent");
    expect(decision).toMatchObject({ action: "none", exit: 4 });
    // and it is exactly what we would write
    expect(raw("constraint", "cib")).toContain(`<rsc_location id="${v.constraintId}" rsc="ms_drbd_r0">`);
  });

  it("8.4 without DRBD_PEER: the only other cluster node is the peer", () => {
    expect(view("peer-fenced", { peers: [] }).peers).toEqual(["clean-down"]);
  });

  it("a peer name the CIB does not know is unknown (worth waiting, then exit 5)", () => {
    const { view: v, decision } = fence("online", primaryUpToDate, { peers: ["alpha.example"] }, noConstraint);
    expect(v.peers).toEqual(["unknown"]);
    expect(decision).toMatchObject({ action: "place", exit: 5 });
  });

  it("without quorum nothing is placed and IO stays frozen (exit 1)", () => {
    const { view: v, decision } = fence("peer-unclean", primaryUpToDate, {}, (x) => noConstraint(x).replace('have-quorum="1"', 'have-quorum="0"'));
    expect(v.quorum).toBe(false);
    expect(decision).toMatchObject({ action: "none", exit: 1 });
  });
});

describe("fence-peer on the Unpromoted node (alpha)", () => {
  const asAlpha = { me: "alpha", peers: ["delta"], keep: ["alpha"] };
  it("delta is Promoted and reachable: outdate myself (6), no constraint", () => {
    const { view: v, decision } = fence("online", secondaryUpToDate, asAlpha);
    expect(v).toMatchObject({ peers: ["online"], peerPromoted: true, existing: "none" });
    expect(decision).toMatchObject({ action: "none", exit: 6 });
  });
  it("delta's constraint bans alpha: outdate myself (6)", () => {
    const { view: v, decision } = fence("constraint", secondaryUpToDate, asAlpha);
    expect(v.existing).toBe("rejects-me");
    expect(decision).toMatchObject({ action: "none", exit: 6 });
  });
  it("unfence after the resync (after-resync-target on alpha): both UpToDate → remove delta's constraint", () => {
    const v = view("constraint", asAlpha);
    expect(decide({ mode: "unfence", local: secondaryUpToDate, peerDisks: ["UpToDate"], cib: true, ...v })).toMatchObject({ action: "remove", exit: 0 });
  });
});

it("a CIB without the promotable clone gives no view (the handler exits 1)", () => {
  expect(clusterView(parseXml(raw("no-quorum", "cib")), undefined, { res: "r0", me: "gamma", peers: [], keep: ["gamma"] })).toEqual({
    ok: false,
    reason: "no promotable clone of a primitive with drbd_resource=r0",
  });
});
