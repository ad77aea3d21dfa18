import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RunningAgent, agentCommand, parseHostPort, startAgent } from "../../src/haproxy/agent";
import { DEFAULT_SETTINGS } from "../../src/haproxy/config";
import { cli } from "../../src/cli/index";
import { type Fake, type FakeNfs4Opts, fakeServer, nfs4Answer, timed } from "./rpc-fakes";

const dir = mkdtempSync(join(tmpdir(), "hanfs-agent-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function nfs(o: FakeNfs4Opts = {}): Promise<Fake> {
  const f = await fakeServer({ onCall: (c) => nfs4Answer(c, o) });
  cleanups.push(() => f.close());
  return f;
}
async function agent(nfsPort: number, extra: { drainFile?: string; cacheMs?: number; timeoutMs?: number; path?: string } = {}): Promise<RunningAgent> {
  const a = await startAgent({
    listen: { host: "127.0.0.1", port: 0 },
    nfs: { host: "127.0.0.1", port: nfsPort },
    settings: { ...DEFAULT_SETTINGS, timeoutMs: extra.timeoutMs ?? 1500, connectTimeoutMs: extra.timeoutMs ?? 1500, path: extra.path ?? "/" },
    drainFile: extra.drainFile,
    cacheMs: extra.cacheMs ?? 0,
  });
  cleanups.push(() => a.close());
  return a;
}
/** What haproxy does: connect, optionally send agent-send text, read until close. */
function ask(port: number, send?: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(port, "127.0.0.1", () => send && s.write(send));
    let out = "";
    s.setTimeout(5000, () => rej(new Error("agent did not answer in 5 s")));
    s.on("data", (d) => (out += d));
    s.on("error", rej);
    s.on("end", () => {
      s.destroy();
      res(out);
    });
  });
}

describe("haproxy-agent", () => {
  it("healthy local NFS → 'up ready'", async () => {
    const f = await nfs();
    const a = await agent(f.port);
    expect(await ask(a.port, "hello\n")).toBe("up ready\n");
    expect(f.calls.map((c) => c.proc)).toEqual([0, 1]);
  });
  it("missing export → 'down #reason' on one line", async () => {
    const f = await nfs({ dirs: [] });
    const a = await agent(f.port, { path: "/export" });
    expect(await ask(a.port)).toMatch(/^down #NFSv4\.0 COMPOUND: NFS4ERR_NOENT at LOOKUP of \/export\n$/);
  });
  it("hung local NFS → down within the probe budget", async () => {
    const f = await fakeServer({ onConnect: () => {} });
    cleanups.push(() => f.close());
    const a = await agent(f.port, { timeoutMs: 300 });
    const [line, ms] = await timed(() => ask(a.port));
    expect(line).toMatch(/^down #NFSv4 NULL: timeout: no complete reply within 300 ms/);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(650);
  });
  it("NFS not running → down #…refused", async () => {
    const f = await nfs();
    const port = f.port;
    await f.close();
    const a = await agent(port);
    expect(await ask(a.port)).toMatch(/^down #connect: refused/);
  });
  it("drain file → 'drain' while it exists, then 'up ready' again", async () => {
    const f = await nfs();
    const drain = join(dir, "drain");
    const a = await agent(f.port, { drainFile: drain });
    expect(await ask(a.port)).toBe("up ready\n");
    writeFileSync(drain, "");
    expect(await ask(a.port)).toBe("drain\n");
    rmSync(drain);
    expect(await ask(a.port)).toBe("up ready\n");
  });
  it("a dead server is reported down even while draining", async () => {
    const drain = join(dir, "drain2");
    writeFileSync(drain, "");
    const a = await agent(1, { drainFile: drain }); // port 1: nothing listens
    expect(await ask(a.port)).toMatch(/^down #/);
  });
  it("concurrent and recent askers share one probe", async () => {
    const f = await nfs();
    const a = await agent(f.port, { cacheMs: 10000 });
    const lines = await Promise.all(Array.from({ length: 5 }, () => ask(a.port)));
    expect(lines).toEqual(Array(5).fill("up ready\n"));
    expect(await ask(a.port)).toBe("up ready\n");
    expect(a.probes).toBe(1);
    expect(f.connections).toBe(1);
  });
  it("cacheMs 0 probes on every ask", async () => {
    const f = await nfs();
    const a = await agent(f.port);
    await ask(a.port);
    await ask(a.port);
    expect(a.probes).toBe(2);
  });
});

describe("haproxy-agent options", () => {
  it("parses ADDR:PORT including IPv6", () => {
    expect(parseHostPort("198.51.100.11:5555", "x")).toEqual({ host: "198.51.100.11", port: 5555 });
    expect(parseHostPort("[fd51::1]:5555", "x")).toEqual({ host: "fd51::1", port: 5555 });
    expect(() => parseHostPort("5555", "--listen")).toThrow(/--listen: expected ADDR:PORT/);
    expect(() => parseHostPort("a:70000", "--listen")).toThrow(/expected/);
  });
  it("bad flags → 2 with a reason, nothing started", async () => {
    const lines: string[] = [];
    const base = { listen: "127.0.0.1:5555", nfs: "127.0.0.1:2049", drainFile: "", cacheMs: "1000" };
    expect(await agentCommand({ ...base, timeoutMs: "fast" }, (l) => lines.push(l))).toBe(2);
    expect(lines.pop()).toMatch(/^hanfs haproxy-agent: command line: timeout-ms = fast: must be whole milliseconds/);
    expect(await agentCommand({ ...base, nfsVersion: "4.1", path: "/x" }, (l) => lines.push(l))).toBe(2);
    expect(lines.pop()).toMatch(/needs version = 4.0/);
    expect(await agentCommand({ ...base, cacheMs: "-1" }, (l) => lines.push(l))).toBe(2);
    expect(lines.pop()).toMatch(/--cache-ms/);
  });
  it("is registered as `hanfs haproxy-agent` and rejects a bad --listen", async () => {
    const write = process.stderr.write.bind(process.stderr);
    let err = "";
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    try {
      expect(await cli(["haproxy-agent", "--listen", "nowhere"])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(/--listen: expected ADDR:PORT/);
  });
});
