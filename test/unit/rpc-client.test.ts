import { type AddressInfo, type Socket, connect, createServer } from "node:net";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { PROG, RpcConnection, encodeRecord, rpcNull } from "../../src/rpc";
import { dribble, reply, timed, useFakes } from "./rpc-fakes";

const start = useFakes();
const ping = (port: number, timeoutMs = 1000, vers = 4) => timed(() => rpcNull({ host: "127.0.0.1", port, prog: PROG.NFS, vers, timeoutMs }));

describe("rpcNull against fake servers", () => {
  it("succeeds and sent exactly one well-formed NULL call", async () => {
    const f = await start({ onCall: (c) => reply.success(c.xid) });
    const [r, ms] = await ping(f.port);
    expect(r).toMatchObject({ ok: true });
    expect(r.ok && r.results.length).toBe(0);
    expect(f.calls).toHaveLength(1);
    const c = f.calls[0];
    expect([c.rpcvers, c.prog, c.vers, c.proc, c.credFlavor, c.verfFlavor, c.args.length]).toEqual([2, 100003, 4, 0, 0, 0, 0]);
    expect(c.raw.length).toBe(40);
    expect(ms).toBeLessThan(900);
  });

  it("reports PROG_MISMATCH with the server's supported range", async () => {
    const f = await start({ onCall: (c) => reply.accept(c.xid, 2, 3, 3) });
    const [r] = await ping(f.port);
    expect(r).toMatchObject({ ok: false, kind: "PROG_MISMATCH", low: 3, high: 3 });
    expect(!r.ok && r.message).toMatch(/3-3/);
  });

  it.each([
    [1, "PROG_UNAVAIL"],
    [3, "PROC_UNAVAIL"],
    [4, "GARBAGE_ARGS"],
    [5, "SYSTEM_ERR"],
  ])("accept_stat %i → %s", async (stat, kind) => {
    const f = await start({ onCall: (c) => reply.accept(c.xid, stat) });
    expect((await ping(f.port))[0]).toMatchObject({ ok: false, kind });
  });

  it("MSG_DENIED → RPC_MISMATCH / AUTH_ERROR", async () => {
    const a = await start({ onCall: (c) => reply.denied(c.xid, 0, 2, 2) });
    expect((await ping(a.port))[0]).toMatchObject({ ok: false, kind: "RPC_MISMATCH", low: 2, high: 2 });
    const b = await start({ onCall: (c) => reply.denied(c.xid, 1, 1) });
    expect((await ping(b.port))[0]).toMatchObject({ ok: false, kind: "AUTH_ERROR", authStat: 1, message: expect.stringMatching(/AUTH_BADCRED/) });
  });

  it("reassembles a reply sent in several fragments, byte by byte", async () => {
    const f = await start({ onCall: (c, s) => void dribble(s, encodeRecord(reply.success(c.xid), 7), 2) });
    const [r, ms] = await ping(f.port, 2000);
    expect(r).toMatchObject({ ok: true });
    expect(ms).toBeLessThan(1500);
  });

  it("truncated reply then close → closed, at once", async () => {
    const f = await start({ onCall: (c, s) => void s.end(encodeRecord(reply.success(c.xid)).subarray(0, 14)) });
    const [r, ms] = await ping(f.port, 2000);
    expect(r).toMatchObject({ ok: false, kind: "closed" });
    expect(ms).toBeLessThan(1000);
  });

  it("complete record with a truncated body → garbage", async () => {
    const f = await start({ onCall: (c) => reply.accept(c.xid, 2).subarray(0, 24) }); // PROG_MISMATCH without low/high
    expect((await ping(f.port))[0]).toMatchObject({ ok: false, kind: "garbage", message: expect.stringMatching(/truncated/) });
  });

  it("wrong xid → garbage", async () => {
    const f = await start({ onCall: (c) => reply.success((c.xid + 1) >>> 0) });
    expect((await ping(f.port))[0]).toMatchObject({ ok: false, kind: "garbage", message: expect.stringMatching(/unknown xid/) });
  });

  it("non-RPC talker (an HTTP server) is refused by the size limit, not buffered", async () => {
    const f = await start({ onConnect: (s) => s.once("data", () => s.write("HTTP/1.1 400 Bad Request\r\n\r\n")) });
    const [r, ms] = await ping(f.port, 2000);
    expect(r).toMatchObject({ ok: false, kind: "too-large" });
    expect(ms).toBeLessThan(1000);
  });

  it("oversized fragment header → too-large without waiting for the bytes", async () => {
    const f = await start({ onConnect: (s) => s.once("data", () => s.write(Buffer.from([0x80, 0x20, 0, 0]))) });
    const [r, ms] = await ping(f.port, 2000);
    expect(r).toMatchObject({ ok: false, kind: "too-large" });
    expect(ms).toBeLessThan(1000);
  });

  it("silent server → timeout, within the budget", async () => {
    const f = await start({ onConnect: () => {} });
    const [r, ms] = await ping(f.port, 300);
    expect(r).toMatchObject({ ok: false, kind: "timeout", message: expect.stringMatching(/300 ms \(0 bytes/) });
    expect(ms).toBeGreaterThanOrEqual(295);
    expect(ms).toBeLessThan(650);
  });

  it("slowloris server dribbling a valid reply cannot extend the deadline", async () => {
    // 28 bytes at one per 40 ms would finish after ~1.1 s; an idle timer would never fire
    const f = await start({ onCall: (c, s) => void dribble(s, encodeRecord(reply.success(c.xid)), 40) });
    const [r, ms] = await ping(f.port, 400);
    expect(r).toMatchObject({ ok: false, kind: "timeout" });
    expect(ms).toBeGreaterThanOrEqual(395);
    expect(ms).toBeLessThan(750);
  });

  it("nothing listening → refused, at once", async () => {
    const srv = createServer();
    await new Promise<void>((res) => srv.listen(0, "127.0.0.1", res));
    const port = (srv.address() as AddressInfo).port;
    await new Promise((res) => srv.close(res));
    const [r, ms] = await ping(port, 1000);
    expect(r).toMatchObject({ ok: false, kind: "refused", code: "ECONNREFUSED" });
    expect(ms).toBeLessThan(300);
  });

  it("full accept queue (handshake never completes) → connect-timeout at connectTimeoutMs", async () => {
    // a worker listens with backlog 1 and blocks its event loop: two fillers take the queue, our SYN is dropped
    const release = new Int32Array(new SharedArrayBuffer(4));
    const w = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       const srv = require("node:net").createServer();
       srv.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
         parentPort.postMessage(srv.address().port);
         Atomics.wait(new Int32Array(workerData), 0, 0, 5000);
       });`,
      { eval: true, workerData: release.buffer },
    );
    const fillers: Socket[] = [];
    try {
      const port = await new Promise<number>((res) => w.once("message", res));
      for (let i = 0; i < 2; i++) {
        const s = connect(port, "127.0.0.1").on("error", () => {});
        fillers.push(s);
        await new Promise((res) => s.once("connect", res));
      }
      const [r, ms] = await timed(() => rpcNull({ host: "127.0.0.1", port, prog: PROG.NFS, vers: 4, timeoutMs: 1000, connectTimeoutMs: 250 }));
      expect(r).toMatchObject({ ok: false, kind: "connect-timeout", message: expect.stringMatching(/after 250 ms/) });
      expect(ms).toBeGreaterThanOrEqual(245);
      expect(ms).toBeLessThan(700);
    } finally {
      for (const s of fillers) s.destroy();
      Atomics.store(release, 0, 1);
      Atomics.notify(release, 0);
      await w.terminate();
    }
  });

  it("AbortSignal ends the call at once", async () => {
    const f = await start({ onConnect: () => {} });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const [r, ms] = await timed(() => rpcNull({ host: "127.0.0.1", port: f.port, prog: PROG.NFS, vers: 4, timeoutMs: 2000, signal: ac.signal }));
    expect(r).toMatchObject({ ok: false, kind: "aborted" });
    expect(ms).toBeLessThan(300);
  });
});

describe("RpcConnection", () => {
  it("runs several calls on one connection and one deadline", async () => {
    const f = await start({ onCall: (c) => (c.vers === 4 ? reply.success(c.xid) : reply.accept(c.xid, 2, 4, 4)) });
    const c = await RpcConnection.connect({ host: "127.0.0.1", port: f.port, timeoutMs: 1000 });
    if (!(c instanceof RpcConnection)) throw new Error(c.message);
    expect(await c.call({ prog: PROG.NFS, vers: 4, proc: 0 })).toMatchObject({ ok: true });
    expect(await c.call({ prog: PROG.NFS, vers: 3, proc: 0 })).toMatchObject({ ok: false, kind: "PROG_MISMATCH", low: 4 });
    c.close();
    expect(await c.call({ prog: PROG.NFS, vers: 4, proc: 0 })).toMatchObject({ ok: false, kind: "closed" });
    expect(f.connections).toBe(1);
    expect(f.calls.map((x) => x.xid)).toEqual([f.calls[0].xid, (f.calls[0].xid + 1) >>> 0]);
  });

  it("a timeout poisons the connection: later calls fail at once", async () => {
    const f = await start({ onConnect: () => {} });
    const c = await RpcConnection.connect({ host: "127.0.0.1", port: f.port, timeoutMs: 200 });
    if (!(c instanceof RpcConnection)) throw new Error(c.message);
    expect(await c.call({ prog: PROG.NFS, vers: 4, proc: 0 })).toMatchObject({ ok: false, kind: "timeout" });
    const [r, ms] = await timed(() => c.call({ prog: PROG.NFS, vers: 4, proc: 0 }));
    expect(r).toMatchObject({ ok: false, kind: "timeout" });
    expect(ms).toBeLessThan(20);
  });
});
