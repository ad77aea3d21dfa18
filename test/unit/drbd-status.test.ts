import { describe, expect, it } from "vitest";
import { parseEvents2 } from "../../src/drbd/events2";
import { parseProcDrbd, resourceFromProc } from "../../src/drbd/proc";
import { events2v84, events2v9 } from "./drbd-fixtures";

describe("events2 parser", () => {
  it("DRBD 9: every object and field", () => {
    const e = parseEvents2(events2v9({ role: "Primary", disk: "UpToDate", conn: "Connected" }));
    expect(e.complete).toBe(true);
    expect(e.resources.get("r0")).toEqual({
      name: "r0",
      role: "Primary",
      suspended: "no",
      mayPromote: false,
      promotionScore: 10101,
      connections: [{ peerNodeId: 1, connName: "delta", state: "Connected", peerRole: "Secondary" }],
      devices: [{ volume: 0, minor: 0, disk: "UpToDate", client: false, quorum: true, backingDev: "/dev/vg/r0-0" }],
      peerDevices: [{ peerNodeId: 1, connName: "delta", volume: 0, replication: "Established", peerDisk: "UpToDate", peerClient: false, resyncSuspended: "no" }],
    });
  });

  it("DRBD 8.4 through drbdsetup-84: fewer fields, faked peer id", () => {
    const r = parseEvents2(events2v84({ role: "Secondary", disk: "Outdated", conn: "WFConnection" })).resources.get("r0")!;
    expect(r).toEqual({
      name: "r0",
      role: "Secondary",
      suspended: "no",
      connections: [{ peerNodeId: 0, connName: "peer", state: "Connecting", peerRole: "Unknown" }],
      devices: [{ volume: 0, minor: 0, disk: "Outdated" }],
      peerDevices: [{ peerNodeId: 0, connName: "peer", volume: 0, replication: "Off", peerDisk: "DUnknown", resyncSuspended: "no" }],
    });
  });

  it("8.4 StandAlone keeps its connection and peer devices, without conn-name (real 8.4.11)", () => {
    const r = parseEvents2(events2v84({ role: "Primary", disk: "UpToDate", conn: "StandAlone" })).resources.get("r0")!;
    expect(r.connections).toEqual([{ peerNodeId: 0, state: "StandAlone", peerRole: "Unknown" }]);
    expect(r.peerDevices).toEqual([{ peerNodeId: 0, volume: 0, replication: "Off", peerDisk: "DUnknown", resyncSuspended: "no" }]);
  });

  it("order does not matter, unknown keys/objects/verbs are ignored", () => {
    const lines = events2v9({ role: "Secondary", disk: "UpToDate", conn: "Connected" }).trim().split("\n");
    const shuffled = [lines[3], "call helper name:r0 peer-node-id:1 helper:fence-peer", lines[4], lines[1], lines[2], lines[0], "exists frobnicator name:r0 x:y", lines[5]];
    const extra = shuffled.map((l) => (l.startsWith("exists device") ? `${l} open:no future-key:42 bogus` : l));
    const a = parseEvents2(extra.join("\n")).resources.get("r0");
    const b = parseEvents2(lines.join("\n")).resources.get("r0");
    expect(a).toEqual(b);
  });

  it("a dump without the `exists -` terminator is reported incomplete", () => {
    const text = events2v9({ role: "Secondary", disk: "UpToDate", conn: "Connected" }).replace("exists -\n", "");
    expect(parseEvents2(text).complete).toBe(false);
    expect(parseEvents2("").complete).toBe(false);
  });

  it("filters by resource name", () => {
    const text = events2v9({ role: "Secondary", disk: "UpToDate", conn: "Connected" }, "r1") + events2v9({ role: "Primary", disk: "UpToDate", conn: "Connected" }, "r0");
    expect([...parseEvents2(text).resources.keys()]).toEqual(["r1", "r0"]);
    expect([...parseEvents2(text, "r0").resources.keys()]).toEqual(["r0"]);
  });

  it("create/change/destroy/rename update the state (events2 without --now)", () => {
    const text = [
      "exists -",
      "create resource name:r0 role:Secondary suspended:no",
      "create device name:r0 volume:0 minor:0 disk:Attaching client:no quorum:yes",
      "create connection name:r0 peer-node-id:1 conn-name:delta connection:StandAlone role:Unknown",
      "change device name:r0 volume:0 minor:0 disk:UpToDate",
      "change connection name:r0 peer-node-id:1 conn-name:delta connection:Connected role:Primary",
      "create device name:r0 volume:1 minor:1 disk:Diskless",
      "destroy device name:r0 volume:1 minor:1",
      "- skipped 3",
      "rename resource name:r0 new_name:data",
    ].join("\n");
    const r = parseEvents2(text).resources.get("data")!;
    expect(r.devices).toEqual([{ volume: 0, minor: 0, disk: "UpToDate", client: false, quorum: true }]);
    expect(r.connections[0]).toMatchObject({ state: "Connected", peerRole: "Primary" });
    expect(parseEvents2(`${text}\ndestroy resource name:data`).resources.size).toBe(0);
  });

  it("tolerates --timestamps, --color and --diff output", () => {
    const text = [
      "2026-12-02T06:00:00.123456+00:00 exists resource name:r0 \x1b[1;32mrole:Primary\x1b[0m suspended:no",
      "2026-12-02T06:00:00.123456+00:00 exists device name:r0 volume:0 minor:0 disk:Inconsistent->UpToDate client:no quorum:yes",
      "2026-12-02T06:00:00.123456+00:00 exists -",
    ].join("\n");
    const e = parseEvents2(text);
    expect(e.complete).toBe(true);
    expect(e.resources.get("r0")).toMatchObject({ role: "Primary", devices: [{ disk: "UpToDate" }] });
  });

  it("keeps path-like values whole and ignores lines with bad ids", () => {
    const e = parseEvents2(["exists device name:r0 volume:0 minor:0 backing_dev:/dev/disk/by-id/lvm:x:y disk:UpToDate", "exists device name:r0 volume:x disk:Failed", "exists peer-device name:r0 volume:0 peer-disk:UpToDate"].join("\n"));
    const r = e.resources.get("r0")!;
    expect(r.devices).toEqual([{ volume: 0, minor: 0, disk: "UpToDate", backingDev: "/dev/disk/by-id/lvm:x:y" }]);
    expect(r.peerDevices).toEqual([]);
  });
});

describe("/proc/drbd (8.4)", () => {
  const PROC = `version: 8.4.11 (api:1/proto:86-101)
srcversion: 211FB288A383ED945B83420
 0: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
    ns:81920 nr:0 dw:0 dr:83016 al:8 bm:0 lo:0 pe:3 ua:0 ap:0 ep:1 wo:f oos:180216
\t[=====>..............] sync'ed: 31.4% (180216/262140)K
\tfinish: 0:00:04 speed: 40,832 (40,832) K/sec
 1: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   s-----
    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0

 3: cs:Unconfigured
`;
  const p = parseProcDrbd(PROC);
  it("version and per-minor state", () => {
    expect(p.version).toMatchObject({ major: 8, minor: 4, patch: 11 });
    expect(p.minors.get(0)).toEqual({ minor: 0, cs: "SyncSource", role: "Primary", peerRole: "Secondary", disk: "UpToDate", peerDisk: "Inconsistent", protocol: "C", suspended: false });
    expect(p.minors.get(1)).toEqual({ minor: 1, cs: "StandAlone", role: "Secondary", peerRole: "Unknown", disk: "UpToDate", peerDisk: "DUnknown", suspended: true });
    expect(p.minors.get(3)).toEqual({ minor: 3, cs: "Unconfigured" });
    expect(p.minors.has(2)).toBe(false);
  });
  it("the resource of DRBD_MINOR, in events2's shape", () => {
    expect(resourceFromProc(p, "r0", [0])).toEqual({
      name: "r0",
      role: "Primary",
      suspended: "no",
      connections: [{ peerNodeId: 0, connName: "peer", state: "Connected", peerRole: "Secondary" }],
      devices: [{ volume: 0, minor: 0, disk: "UpToDate" }],
      peerDevices: [{ peerNodeId: 0, connName: "peer", volume: 0, replication: "SyncSource", peerDisk: "Inconsistent" }],
    });
    expect(resourceFromProc(p, "r1", [1])).toMatchObject({
      suspended: "yes",
      connections: [{ peerNodeId: 0, state: "StandAlone", peerRole: "Unknown" }],
      peerDevices: [{ peerNodeId: 0, volume: 0, replication: "Off", peerDisk: "DUnknown" }],
    });
  });
  it("down when a minor is missing or unconfigured", () => {
    expect(resourceFromProc(p, "r", [3])).toBeUndefined();
    expect(resourceFromProc(p, "r", [0, 2])).toBeUndefined();
    expect(resourceFromProc(p, "r", [])).toBeUndefined();
  });
  it("DRBD 9's /proc/drbd has only the version", () => {
    const p9 = parseProcDrbd("version: 9.2.8 (api:2/proto:86-122)\nGIT-hash: e163b05a76254c0f51f999970e861d72bb16409a build by @buildd, 2024-03-01\nTransports (api:20): tcp (9.2.8)\n");
    expect(p9.version).toMatchObject({ major: 9, minor: 2, patch: 8 });
    expect(p9.minors.size).toBe(0);
  });
});
