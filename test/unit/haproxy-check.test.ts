import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/haproxy/check";
import { XdrReader } from "../../src/rpc";
import { type Fake, type FakeNfs4Opts, fakeServer, nfs4Answer, timed } from "./rpc-fakes";

const dir = mkdtempSync(join(tmpdir(), "hanfs-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fakes: Fake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
async function nfs(o: FakeNfs4Opts = {}) {
  const f = await fakeServer({ onCall: (c) => nfs4Answer(c, o) });
  fakes.push(f);
  return f;
}
let n = 0;
function confFile(text: string | undefined): string {
  const p = join(dir, `c${n++}.conf`);
  if (text !== undefined) writeFileSync(p, text);
  return p;
}
const env = (conf: string, server = "alpha") => ({ PATH: "/usr/bin:/bin", HAPROXY_PROXY_NAME: "nfs", HAPROXY_SERVER_NAME: server, HANFS_CHECK_CONF: conf });
async function check(port: number, conf?: string, server = "alpha") {
  const lines: string[] = [];
  const [code, ms] = await timed(() => main(["NOT_USED", "NOT_USED", "127.0.0.1", String(port)], env(confFile(conf), server), (l) => lines.push(l)));
  return { code, ms, err: lines.join("\n") };
}
/** COMPOUND args as [minor, op numbers] */
function compoundOps(args: Buffer): [number, number[]] {
  const r = new XdrReader(args);
  r.string();
  const minor = r.u32();
  const ops: number[] = [];
  for (let i = r.u32(); i > 0; i--) {
    const op = r.u32();
    ops.push(op);
    if (op === 15) r.string();
    if (op === 9) for (let w = r.u32(); w > 0; w--) r.u32();
  }
  return [minor, ops];
}

describe("haproxy-check (in process)", () => {
  it("healthy server, no config file: NULL v4 then COMPOUND 4.0 PUTROOTFH+GETATTR on one connection → 0, silent", async () => {
    const f = await nfs();
    const r = await check(f.port);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(f.calls.map((c) => [c.vers, c.proc])).toEqual([[4, 0], [4, 1]]);
    expect(compoundOps(f.calls[1].args)).toEqual([0, [24, 9]]);
    expect(f.connections).toBe(1);
    expect(r.ms).toBeLessThan(300);
  });
  it("per-server path: LOOKUP of a missing export → 1 with the reason", async () => {
    const f = await nfs({ dirs: [] });
    const r = await check(f.port, "[nfs/alpha]\npath = /export\n");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^haproxy-check nfs\/alpha 127\.0\.0\.1:\d+: DOWN: NFSv4\.0 COMPOUND: NFS4ERR_NOENT at LOOKUP of \/export \(\d+ ms\)$/);
    expect(compoundOps(f.calls[1].args)).toEqual([0, [24, 15, 9]]);
  });
  it("same file, other server without the path → 0", async () => {
    const f = await nfs({ dirs: [] });
    expect((await check(f.port, "[nfs/alpha]\npath = /export\n", "delta")).code).toBe(0);
  });
  it("nothing listening → 2", async () => {
    const f = await nfs();
    const port = f.port;
    await f.close();
    fakes.length = 0;
    const r = await check(port);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DOWN: connect: refused/);
  });
  it("hung server (accepts, never answers) → 2 within timeout-ms", async () => {
    const f = await fakeServer({ onConnect: () => {} });
    fakes.push(f);
    const r = await check(f.port, "[*]\ntimeout-ms = 300\n");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/NFSv4 NULL: timeout/);
    expect(r.ms).toBeGreaterThanOrEqual(295);
    expect(r.ms).toBeLessThan(650);
  });
  it("v3-only server → PROG_MISMATCH → 1", async () => {
    const f = await nfs({ versions: [3] });
    const r = await check(f.port);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NFSv4 NULL: PROG_MISMATCH: .*3-3/);
  });
  it("version = 3 sends only NULL v3", async () => {
    const f = await nfs({ versions: [3] });
    expect((await check(f.port, "[nfs]\nversion = 3\n")).code).toBe(0);
    expect(f.calls.map((c) => [c.vers, c.proc])).toEqual([[3, 0]]);
  });
  it("version = 4.1: empty COMPOUND of minor 1; a 4.0-only server → 1", async () => {
    const ok = await nfs({ minors: [0, 1] });
    expect((await check(ok.port, "[*]\nversion = 4.1\n")).code).toBe(0);
    expect(compoundOps(ok.calls[1].args)).toEqual([1, []]);
    const old = await nfs({ minors: [0] });
    const r = await check(old.port, "[*]\nversion = 4.1\n");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NFS4ERR_MINOR_VERS_MISMATCH/);
  });
  it("NFS4ERR_GRACE counts as up by default, down with grace = down", async () => {
    const f = await nfs({ opStatus: 10013 });
    expect((await check(f.port)).code).toBe(0);
    const r = await check(f.port, "[*]\ngrace = down\n");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/in grace/);
  });
  it("malformed config → 3 naming file and line, without touching the server", async () => {
    const f = await nfs();
    const r = await check(f.port, "[*]\ntimeout-ms = soon\n");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/config: .*c\d+\.conf:2: timeout-ms = soon: must be whole milliseconds/);
    expect(f.connections).toBe(0);
  });
  it("unreadable config (a directory) → 3", async () => {
    const lines: string[] = [];
    expect(await main(["NOT_USED", "NOT_USED", "127.0.0.1", "2049"], env(dir), (l) => lines.push(l))).toBe(3);
    expect(lines[0]).toMatch(/cannot read .*EISDIR/);
  });
  it.each([[["127.0.0.1", "2049"]], [["NOT_USED", "NOT_USED", "127.0.0.1", "x"]], [["NOT_USED", "NOT_USED", "", "2049"]], [["a", "b", "c", "70000"]]])(
    "bad argv %j → 3",
    async (args) => {
      const lines: string[] = [];
      expect(await main(args, env(confFile(undefined)), (l) => lines.push(l))).toBe(3);
      expect(lines[0]).toMatch(/usage: haproxy-check/);
    },
  );
});

const root = resolve(__dirname, "../..");

describe("haproxy-check via the busybox dispatch", () => {
  it("argv0 haproxy-check + haproxy's replaced environment → exit 0 / 2", async () => {
    const f = await nfs();
    const run = (port: number) =>
      new Promise<{ code: number | null; err: string }>((res, rej) => {
        const c = spawn(process.execPath, ["--import", "tsx", join(root, "src/main.ts"), "NOT_USED", "NOT_USED", "127.0.0.1", String(port)], {
          argv0: "haproxy-check",
          cwd: root,
          env: { PATH: "/usr/bin:/bin", HAPROXY_PROXY_NAME: "nfs", HAPROXY_SERVER_NAME: "alpha", HAPROXY_SERVER_ADDR: "127.0.0.1", HANFS_CHECK_CONF: join(dir, "absent.conf") },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let err = "";
        c.stderr.on("data", (d) => (err += d));
        const t = setTimeout(() => {
          c.kill("SIGKILL");
          rej(new Error("check did not exit in 15 s"));
        }, 15000);
        c.on("close", (code) => {
          clearTimeout(t);
          res({ code, err });
        });
      });
    expect(await run(f.port)).toEqual({ code: 0, err: "" });
    await f.close();
    fakes.length = 0;
    const down = await run(f.port);
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/^haproxy-check nfs\/alpha 127\.0\.0\.1:\d+: DOWN: connect: refused/);
  }, 40000);
});
