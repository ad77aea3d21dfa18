import { describe, expect, it } from "vitest";
import {
  AUTH_NONE,
  RecordDecoder,
  RecordError,
  XdrError,
  XdrReader,
  XdrWriter,
  authSys,
  encodeCall,
  encodeRecord,
  parseReply,
} from "../../src/rpc";
import { reply } from "./rpc-fakes";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("XDR", () => {
  it("encodes big-endian words and pads opaques to 4 bytes", () => {
    const b = new XdrWriter().u32(0xdeadbeef).i32(-2).u64(0x0102030405060708n).bool(true).opaque(Buffer.from("abcde")).string("").bytes();
    expect(b.toString("hex")).toBe("deadbeef" + "fffffffe" + "0102030405060708" + "00000001" + "00000005" + "6162636465000000" + "00000000");
  });
  it("round-trips and reports truncation instead of reading past the end", () => {
    const r = new XdrReader(new XdrWriter().u32(7).string("nfs").bytes());
    expect(r.u32()).toBe(7);
    expect(r.string()).toBe("nfs");
    expect(r.remaining).toBe(0);
    expect(() => r.u32()).toThrow(XdrError);
    // opaque claiming 8 bytes with only 4 present
    expect(() => new XdrReader(hex("00000008 61626364")).opaque()).toThrow(/truncated/);
    expect(() => new XdrReader(hex("00000002")).bool()).toThrow(/bad bool/);
    expect(() => new XdrReader(hex("00000010")).opaque(8)).toThrow(/exceeds 8/);
  });
  it("rejects out-of-range u32", () => {
    expect(() => new XdrWriter().u32(-1)).toThrow(XdrError);
    expect(() => new XdrWriter().u32(2 ** 32)).toThrow(XdrError);
  });
});

describe("record marking", () => {
  it("frames a record as one last fragment", () => {
    expect(encodeRecord(hex("aabbcc")).toString("hex")).toBe("80000003aabbcc");
    expect(encodeRecord(Buffer.alloc(0)).toString("hex")).toBe("80000000");
  });
  it("splits into fragments with the last-fragment bit only on the final one", () => {
    expect(encodeRecord(hex("0102030405"), 2).toString("hex")).toBe("00000002 0102 00000002 0304 80000001 05".replace(/ /g, ""));
  });
  it("reassembles fragments fed one byte at a time and several records in one chunk", () => {
    const a = Buffer.from("first record!"), b = Buffer.from("2nd");
    const wire = Buffer.concat([encodeRecord(a, 4), encodeRecord(b, 1)]);
    const d = new RecordDecoder();
    const got: Buffer[] = [];
    for (let i = 0; i < wire.length; i++) got.push(...d.push(wire.subarray(i, i + 1)));
    expect(got.map(String)).toEqual(["first record!", "2nd"]);
    expect(d.buffered).toBe(0);
    expect(new RecordDecoder().push(wire).map(String)).toEqual(["first record!", "2nd"]);
  });
  it("refuses an oversized fragment from its header alone, before the bytes arrive", () => {
    const d = new RecordDecoder(1024);
    expect(() => d.push(hex("80000401"))).toThrow(RecordError);
    // limit counts the whole record across fragments (headers included)
    const d2 = new RecordDecoder(16);
    expect(d2.push(hex("00000004 01020304"))).toEqual([]);
    expect(() => d2.push(hex("80000005"))).toThrow(/larger than 16/);
  });
});

describe("call encoding", () => {
  it("NULL with AUTH_NONE is the exact RFC 5531 byte layout", () => {
    const b = encodeCall({ xid: 0x01020304, prog: 100003, vers: 4, proc: 0 });
    expect(encodeRecord(b).toString("hex")).toBe(
      "80000028" + "01020304" + "00000000" + "00000002" + "000186a3" + "00000004" + "00000000" + "00000000 00000000".replace(/ /g, "") + "0000000000000000",
    );
  });
  it("AUTH_SYS carries stamp, machine name, uid, gid and gids", () => {
    const cred = authSys({ stamp: 0x11223344, machineName: "ab", uid: 1000, gid: 100, gids: [5] });
    expect(cred.flavor).toBe(1);
    expect(cred.body.toString("hex")).toBe("11223344" + "00000002" + "61620000" + "000003e8" + "00000064" + "00000001" + "00000005");
    const call = encodeCall({ xid: 1, prog: 100003, vers: 4, proc: 1, cred, verf: AUTH_NONE, args: hex("cafebabe") });
    expect(call.subarray(24, 32).toString("hex")).toBe("00000001" + "0000001c");
    expect(call.subarray(-12).toString("hex")).toBe("00000000" + "00000000" + "cafebabe");
    expect(() => authSys({ gids: Array(17).fill(1) })).toThrow(/16 gids/);
  });
});

describe("reply parsing", () => {
  it("SUCCESS hands back the results after the verifier", () => {
    const r = parseReply(reply.success(9, hex("0000002a")));
    expect(r).toMatchObject({ xid: 9, stat: "SUCCESS" });
    expect(r.stat === "SUCCESS" && r.results.toString("hex")).toBe("0000002a");
  });
  it("skips a non-empty verifier", () => {
    const body = new XdrWriter().u32(3).u32(1).u32(0).u32(1).opaque(hex("aabbccdd01")).u32(0).u32(77).bytes();
    const r = parseReply(body);
    expect(r.stat === "SUCCESS" && r.results.readUInt32BE(0)).toBe(77);
  });
  it.each([
    [1, { stat: "PROG_UNAVAIL" }],
    [2, { stat: "PROG_MISMATCH", low: 3, high: 4 }],
    [3, { stat: "PROC_UNAVAIL" }],
    [4, { stat: "GARBAGE_ARGS" }],
    [5, { stat: "SYSTEM_ERR" }],
  ])("accept_stat %i", (stat, want) => {
    expect(parseReply(reply.accept(5, stat, 3, 4))).toMatchObject({ xid: 5, ...want });
  });
  it("MSG_DENIED: RPC_MISMATCH and AUTH_ERROR", () => {
    expect(parseReply(reply.denied(6, 0, 2, 2))).toEqual({ xid: 6, stat: "RPC_MISMATCH", low: 2, high: 2 });
    expect(parseReply(reply.denied(6, 1, 5))).toEqual({ xid: 6, stat: "AUTH_ERROR", authStat: 5, authStatName: "AUTH_TOOWEAK" });
  });
  it("rejects calls, unknown statuses and truncated replies", () => {
    expect(() => parseReply(encodeCall({ xid: 1, prog: 1, vers: 1, proc: 0 }))).toThrow(/not a reply/);
    expect(() => parseReply(reply.accept(1, 9))).toThrow(/accept_stat 9/);
    expect(() => parseReply(reply.denied(1, 7))).toThrow(/reject_stat 7/);
    expect(() => parseReply(hex("00000001 00000001 00000002"))).toThrow(/reply_stat 2/);
    expect(() => parseReply(reply.accept(1, 2).subarray(0, 24))).toThrow(XdrError);
    expect(() => parseReply(hex("000000"))).toThrow(XdrError);
  });
});
