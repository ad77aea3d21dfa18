import { describe, expect, it } from "vitest";
import { RpcConnection, XdrWriter, encodeCompound, nfs4Compound, nfs4CompoundOn, parseCompound, rootProbeOps } from "../../src/rpc";
import { nfs4Answer, reply, timed, useFakes } from "./rpc-fakes";

const start = useFakes();

describe("COMPOUND encoding", () => {
  it("PUTROOTFH, LOOKUP per path component, GETATTR(type, fsid, fileid)", () => {
    const b = encodeCompound(rootProbeOps("/export//a/"), 0, "t");
    expect(b.toString("hex")).toBe(
      [
        "00000001 74000000", // tag "t"
        "00000000", // minorversion
        "00000004", // 4 ops
        "00000018", // PUTROOTFH
        "0000000f 00000006 6578706f72740000", // LOOKUP "export"
        "0000000f 00000001 61000000", // LOOKUP "a"
        "00000009 00000001 00100102", // GETATTR bitmap word0: bits 1, 8, 20
      ].join("").replace(/ /g, ""),
    );
  });
  it("minor version 1 and lease_time", () => {
    const b = encodeCompound([{ op: "PUTROOTFH" }, { op: "GETATTR", attrs: ["lease_time"] }], 1, "");
    expect(b.toString("hex")).toBe("00000000" + "00000001" + "00000002" + "00000018" + "00000009" + "00000001" + "00000400");
  });
});

describe("COMPOUND reply parsing", () => {
  it("decodes attributes in bitmap order", () => {
    const vals = new XdrWriter().u32(2).u64(5n).u64(6n).u32(90).u64(123n).bytes();
    const res = new XdrWriter().u32(0).string("x").u32(2).u32(24).u32(0).u32(9).u32(0).u32(1).u32((1 << 1) | (1 << 8) | (1 << 10) | (1 << 20)).opaque(vals).bytes();
    const r = parseCompound(res);
    expect(r).toMatchObject({ status: 0, statusName: "NFS4_OK", tag: "x", inGrace: false });
    expect(r.attrs).toEqual({ type: "DIR", fsid: { major: 5n, minor: 6n }, lease_time: 90, fileid: 123n });
    expect(r.ops.map((o) => `${o.opName}:${o.statusName}`)).toEqual(["PUTROOTFH:NFS4_OK", "GETATTR:NFS4_OK"]);
  });
  it("a failing op ends the list; GRACE is flagged", () => {
    const r = parseCompound(new XdrWriter().u32(10013).string("").u32(2).u32(24).u32(0).u32(9).u32(10013).bytes());
    expect(r).toMatchObject({ status: 10013, statusName: "NFS4ERR_GRACE", inGrace: true });
    expect(r.ops[1]).toMatchObject({ opName: "GETATTR", statusName: "NFS4ERR_GRACE" });
  });
  it("throws on truncated results", () => {
    expect(() => parseCompound(new XdrWriter().u32(0).string("").u32(2).u32(24).bytes())).toThrow(/truncated/);
  });
});

describe("nfs4Compound against a fake server", () => {
  it("root probe with export path → attrs of the export", async () => {
    const f = await start({ onCall: (c) => nfs4Answer(c, { dirs: ["export"] }) });
    const [r, ms] = await timed(() => nfs4Compound({ host: "127.0.0.1", port: f.port, timeoutMs: 1000, ops: rootProbeOps("/export") }));
    expect(r).toMatchObject({ ok: true, status: 0, attrs: { type: "DIR", fsid: { major: 7n, minor: 7n }, fileid: 1006n } });
    expect(f.calls[0]).toMatchObject({ prog: 100003, vers: 4, proc: 1, credFlavor: 1 });
    expect(ms).toBeLessThan(900);
  });
  it("missing export → NFS4ERR_NOENT on LOOKUP", async () => {
    const f = await start({ onCall: (c) => nfs4Answer(c, { dirs: [] }) });
    const r = await nfs4Compound({ host: "127.0.0.1", port: f.port, timeoutMs: 1000, ops: rootProbeOps("/gone") });
    expect(r).toMatchObject({ ok: true, status: 2, statusName: "NFS4ERR_NOENT", inGrace: false });
    expect(r.ok && r.ops.at(-1)).toMatchObject({ opName: "LOOKUP", status: 2 });
  });
  it("grace reported by the server → inGrace", async () => {
    const f = await start({ onCall: (c) => nfs4Answer(c, { opStatus: 10013 }) });
    const r = await nfs4Compound({ host: "127.0.0.1", port: f.port, timeoutMs: 1000, ops: rootProbeOps() });
    expect(r).toMatchObject({ ok: true, status: 10013, inGrace: true });
  });
  it("unsupported minor version → NFS4ERR_MINOR_VERS_MISMATCH", async () => {
    const f = await start({ onCall: (c) => nfs4Answer(c, { minors: [0] }) });
    const r = await nfs4Compound({ host: "127.0.0.1", port: f.port, timeoutMs: 1000, minorVersion: 2, ops: rootProbeOps() });
    expect(r).toMatchObject({ ok: true, status: 10021, statusName: "NFS4ERR_MINOR_VERS_MISMATCH", ops: [] });
  });
  it("malformed COMPOUND results → garbage", async () => {
    const f = await start({ onCall: (c) => reply.success(c.xid, Buffer.from([0, 0, 0, 0, 0, 0])) });
    const r = await nfs4Compound({ host: "127.0.0.1", port: f.port, timeoutMs: 1000, ops: rootProbeOps() });
    expect(r).toMatchObject({ ok: false, kind: "garbage", message: expect.stringMatching(/malformed COMPOUND/) });
  });
  it("NULL then COMPOUND share one connection and one deadline", async () => {
    let n = 0;
    const f = await start({ onCall: (c) => (n++ === 0 ? nfs4Answer(c) : undefined) }); // COMPOUND never answered
    const c = await RpcConnection.connect({ host: "127.0.0.1", port: f.port, timeoutMs: 300 });
    if (!(c instanceof RpcConnection)) throw new Error(c.message);
    const t0 = performance.now();
    expect(await c.call({ prog: 100003, vers: 4, proc: 0 })).toMatchObject({ ok: true });
    expect(await nfs4CompoundOn(c, { ops: rootProbeOps() })).toMatchObject({ ok: false, kind: "timeout" });
    expect(performance.now() - t0).toBeLessThan(650);
    expect(f.connections).toBe(1);
  });
});
