import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../lab/lib/host";
import type { Switch } from "../lab/lib/net";
import type { Scratch } from "./fixture";
import { agentIn, exportBlock, machine, NET, nfsTestbed, runIn, VIP, type Res } from "./ganesha-fixture";

/**
 * ocf:hanfs:nfsserver server=ganesha for real: nfs-ganesha 4.3 in namespace "machines" on a
 * loop-device ext4 that holds the export and the shared info dir; libnfs clients in a third box.
 * Each test brings server A to the state it needs itself (stopped or running): one failure does
 * not cascade; the failover test uses boxes of its own.
 */
let s: Scratch;
let AGENT: string;
let sw: Switch, a: Host, cli: Host;
let shared: string;
const GRACE = 10;
const params = () => ({
  server: "ganesha",
  nfs_shared_infodir: `${shared}/info`,
  nfsv4_grace_time: String(GRACE),
  nfsv4_lease_time: "10",
  ganesha_extra_config: `${shared}/exports.conf`,
  monitor_rpc_timeout: "2",
});
const nfsUrl = (file: string, v: 3 | 4, host = VIP) => `nfs://${host}${shared}/export/${file}${v === 4 ? "?version=4" : ""}`;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/**
 * v3 write (libnfs 4.0 v4 writes > 2.5 KB are broken). Like the kernel client, retry while the
 * server says JUKEBOX (in grace), for at most `ms`. nfs-cp creates exclusively and a refused
 * SETATTR leaves the file behind, so each retry writes a new name; returns the one that worked.
 */
async function put(name: string, data: Buffer, ms = (GRACE + 5) * 1000, host = VIP): Promise<Res & { name: string }> {
  const src = s.path(`src-${name}`);
  writeFileSync(src, data);
  const end = Date.now() + ms;
  for (let i = 0; ; i++) {
    const n = i ? `${name}.${i}` : name;
    const r = await runIn(cli, ["nfs-cp", src, nfsUrl(n, 3, host)], { timeout: 20_000 });
    if (r.code === 0 || !/JUKEBOX/.test(r.stderr) || Date.now() > end) return { ...r, name: n };
    await new Promise((res) => setTimeout(res, 200));
  }
}
const cat = (name: string, v: 3 | 4 = 4, host = VIP) => runIn(cli, ["nfs-cat", nfsUrl(name, v, host)], { timeout: 10_000 });

beforeAll(async () => {
  ({ s, nfsserver: AGENT, shared, sw } = await nfsTestbed());
  writeFileSync(`${shared}/exports.conf`, exportBlock(1, `${shared}/export`));
  a = await machine(s, sw, "nfs-a", `${NET}.11`);
  cli = await machine(s, sw, "cli", `${NET}.20`);
  await a.ip([`addr add ${VIP}/24 dev eth0`]);
}, 60_000);
afterAll(() => s?.cleanup());

/** ganesha on A stopped (and verified so). */
async function stopped() {
  expect((await agentIn(a, AGENT, "stop", params())).code).toBe(0);
  expect((await agentIn(a, AGENT, "monitor", params())).code).toBe(7);
}
/** ganesha on A running and answering: started unless it already is. */
async function running() {
  if ((await agentIn(a, AGENT, "monitor", params())).code === 0) return;
  await stopped();
  expect((await agentIn(a, AGENT, "start", { ...params(), ganesha_log: s.path("a.log") })).code).toBe(0);
}

describe("nfsserver server=ganesha", () => {
  it("starts, answers RPC NULL v3+v4, start again is a no-op", async () => {
    await stopped();
    const st = await agentIn(a, AGENT, "start", { ...params(), ganesha_log: s.path("a.log") });
    expect(st.stderr).toMatch(/ganesha started \(pid \d+\), grace 10 s, lease 10 s \(server's answer\)/);
    expect(st.code).toBe(0);
    const conf = (await runIn(a, ["cat", "/run/hanfs/ganesha/ganesha.conf"])).stdout;
    expect(conf).toMatch(/Grace_Period = 10;/);
    expect(conf).toMatch(/Lease_Lifetime = 10;/);
    expect(conf).toContain(`RecoveryRoot = "${shared}/info/ganesha"`);
    expect(conf).toMatch(/Server_Scope = "nfs";/);
    const mon = await agentIn(a, AGENT, "monitor", params());
    expect(mon.code).toBe(0);
    const again = await agentIn(a, AGENT, "start", params());
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already running/);
  });

  it("serves data: v3 write, v4 read back, identical bytes", async () => {
    await running();
    const data = randomBytes(64 * 1024);
    expect((await put("one.bin", data)).code).toBe(0);
    const r = await runIn(cli, ["sh", "-c", `nfs-cat '${nfsUrl("one.bin", 4)}' | sha256sum`]);
    expect(r.stdout.split(" ")[0]).toBe(sha(data));
  });

  it("monitor forks nothing: one execve, the agent itself", async () => {
    await running();
    const r = await runIn(a, ["strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "env", ...Object.entries(params()).map(([k, v]) => `OCF_RESKEY_${k}=${v}`), "OCF_ROOT=/usr/lib/ocf", "HA_LOGFACILITY=none", AGENT, "monitor"]);
    const execs = r.stderr.split("\n").filter((l) => /execve\(/.test(l) && !/ENOENT/.test(l));
    expect(r.code).toBe(0);
    // strace's own exec of env, then env's exec of the agent: nothing after that
    expect(execs.filter((l) => !/"env"|\/env"/.test(l.split(",")[0]))).toHaveLength(1);
  });

  it("NFSv3 needs MOUNT registered with rpcbind: a lost rpcbind fails the monitor until a restart", async () => {
    await running();
    await runIn(a, ["sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat $p/comm)\" = rpcbind ] && kill -KILL ${p#/proc/}; done; true"]);
    let mon = await agentIn(a, AGENT, "monitor", params());
    expect(mon.code).toBe(1);
    expect(mon.stderr).toMatch(/ocf-exit-reason:rpcbind does not answer on 127\.0\.0\.1:111/);
    await runIn(a, ["rpcbind", "-w"]); // back, but empty: ganesha registered with the old one
    mon = await agentIn(a, AGENT, "monitor", params());
    expect(mon.code).toBe(1);
    expect(mon.stderr).toMatch(/ocf-exit-reason:MOUNT v3 is not registered with rpcbind/);
    expect((await agentIn(a, AGENT, "stop", params())).code).toBe(0);
    expect((await agentIn(a, AGENT, "start", { ...params(), ganesha_log: s.path("a.log") })).code).toBe(0);
    expect((await agentIn(a, AGENT, "monitor", params())).code).toBe(0);
  });

  it("a SIGSTOPped ganesha fails the monitor within monitor_rpc_timeout; stop still stops it", async () => {
    await running();
    const pid = (await runIn(a, ["cat", "/run/hanfs/ganesha/ganesha.pid"])).stdout.trim();
    await runIn(a, ["kill", "-STOP", pid]);
    const mon = await agentIn(a, AGENT, "monitor", params(), { OCF_RESKEY_CRM_meta_timeout: "20000" });
    expect(mon.code).toBe(1);
    expect(mon.stderr).toMatch(/ocf-exit-reason:ganesha \(pid \d+, stopped \(SIGSTOP\)\) does not answer: no RPC NULL reply/);
    expect(mon.ms).toBeLessThan(2000 + 1500);
    const stop = await agentIn(a, AGENT, "stop", params());
    expect(stop.code).toBe(0);
    expect((await runIn(a, ["kill", "-0", pid])).code).not.toBe(0);
    expect((await agentIn(a, AGENT, "monitor", params())).code).toBe(7);
    expect((await agentIn(a, AGENT, "stop", params())).code).toBe(0);
  });

  it("failover after a crash: B finds A's clients on the shared disk and ends grace within nfsv4_grace_time", async () => {
    // two boxes of its own (the crash is for good) with their own service address; A stays out of it
    await stopped();
    const [x, y] = [await machine(s, sw, "nfs-x", `${NET}.13`), await machine(s, sw, "nfs-y", `${NET}.14`)];
    const VIP2 = `${NET}.101`;
    await x.ip([`addr add ${VIP2}/24 dev eth0`]);
    expect((await agentIn(x, AGENT, "start", { ...params(), ganesha_log: s.path("x.log") })).code).toBe(0);
    const data = randomBytes(200 * 1024);
    const w = await put("before.bin", data, undefined, VIP2);
    expect(w.stderr).toBe("");
    expect(w.code).toBe(0);
    expect((await cat(w.name, 4, VIP2)).code).toBe(0); // a v4 client: recorded in the recovery dir
    const recov = `${shared}/info/ganesha/v4recov`;
    expect(readdirSync(recov).flatMap((n) => readdirSync(`${recov}/${n}`)).length).toBeGreaterThan(0);

    await x.down();
    const t0 = Date.now();
    const st = await agentIn(y, AGENT, "start", { ...params(), ganesha_log: s.path("y.log") });
    expect(st.code).toBe(0);
    await y.ip([`addr add ${VIP2}/24 dev eth0`]);
    await runIn(y, ["/usr/libexec/heartbeat/send_arp", "-i", "50", "-r", "2", "eth0", VIP2, "auto", "not_used", "not_used"], { timeout: 5000 }); // as IPaddr2 does
    const started = Date.now() - t0;
    // new v4 OPENs are refused (NFS4ERR_GRACE) until grace ends: proof that B loaded A's records
    let first: Res | undefined;
    let ok: Res | undefined;
    while (Date.now() - t0 < (GRACE + 10) * 1000) {
      const r = await cat(w.name, 4, VIP2);
      first ??= r;
      if (r.code === 0) {
        ok = r;
        break;
      }
    }
    const graceEnd = Date.now() - t0;
    console.log(`failover: start on B ${started} ms, v4 OPEN succeeds ${graceEnd} ms after the start began (grace ${GRACE} s)`);
    expect(first!.stderr + first!.stdout).toMatch(/NFS4ERR_GRACE/);
    expect(ok, "v4 reads resumed").toBeDefined();
    expect(graceEnd).toBeGreaterThan((GRACE - 3) * 1000);
    expect(graceEnd).toBeLessThan((GRACE + 3) * 1000);
    const r = await runIn(cli, ["sh", "-c", `nfs-cat '${nfsUrl(w.name, 4, VIP2)}' | sha256sum`]);
    expect(r.stdout.split(" ")[0]).toBe(sha(data));
    expect(existsSync(`${shared}/info/ganesha/v4recov`)).toBe(true);
    expect((await agentIn(y, AGENT, "stop", params())).code).toBe(0);
    expect((await agentIn(y, AGENT, "monitor", params())).code).toBe(7);
  }, 60_000);
});
