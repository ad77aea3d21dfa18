import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Host } from "../lab/lib/host";
import type { Switch } from "../lab/lib/net";
import { type Scratch, shOut } from "./fixture";
import { fakeKernel, writeStubs } from "./ganesha-fakekernel";
import { agentIn, machine, NET, nfsTestbed, runIn } from "./ganesha-fixture";

/**
 * nfsserver server=kernel (direct daemons: no systemd here) against a fake kernel interface: the
 * order of the steps, grace/lease before the first nfsd thread, stop order, idempotency, and
 * bounded waits when a daemon never comes up.
 */
let s: Scratch;
let AGENT: string, EXPORTFS: string;
let sw: Switch, a: Host;
let shared: string, stubs: string, LOG: string;
const params = () => ({ server: "kernel", nfs_shared_infodir: `${shared}/info`, nfsv4_grace_time: "10", nfsv4_lease_time: "10", nfs_ip: `${NET}.100`, nfs_server_scope: "hanfs-svc", monitor_rpc_timeout: "2" });
const k = (action: string, p: Record<string, string> = params(), env: Record<string, string> = {}) => agentIn(a, AGENT, action, p, env);
/** stub log lines since `from`, without timestamps */
const log = (from = 0) => (existsSync(LOG) ? readFileSync(LOG, "utf8") : "").split("\n").filter(Boolean).slice(from).map((l) => l.replace(/^\S+ /, ""));
const lines = () => log().length;
const idx = (l: string[], re: RegExp) => l.findIndex((x) => re.test(x));
const inBoxOf = async (box: Host, argv: string[]) => (await runIn(box, argv)).stdout.trim();
const inBox = (argv: string[]) => inBoxOf(a, argv);

beforeAll(async () => {
  ({ s, nfsserver: AGENT, exportfs: EXPORTFS, shared, sw } = await nfsTestbed());
  stubs = s.path("stubs");
  LOG = s.path("stub.log");
  writeStubs(stubs, LOG);
  a = await machine(s, sw, "knfs-a", `${NET}.51`);
  await fakeKernel(a, stubs);
}, 60_000);
afterAll(() => s?.cleanup());

/** Every test of this group starts from a stopped server and starts what it needs itself: one failure does not cascade. */
const up = async () => expect((await k("start")).code).toBe(0);

describe("nfsserver server=kernel on a fake kernel", () => {
  beforeEach(async () => {
    expect((await k("stop")).code).toBe(0);
  });

  it("start: shared dir bound, grace/lease written before nfsd starts, daemons in order, sm-notify per IP", async () => {
    expect((await k("monitor")).code).toBe(7);
    // a fresh node: no rpcbind yet either (stop leaves it running for others)
    await runIn(a, ["sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = rpcbind ] && kill ${p#/proc/}; done; true"]);
    const n = lines();
    const r = await k("start");
    expect(r.stderr).toMatch(/NFS server started: 8 threads, grace 10 s, lease 10 s, scope hanfs-svc/);
    expect(r.code).toBe(0);
    const l = log(n);
    const order = ["rpcbind -w", "rpc.statd --no-notify", "nfsdcld", "rpc.idmapd", "rpc.mountd", "rpc.nfsd 8", "sm-notify -f -v 198.51.100.100"].map((x) => idx(l, new RegExp(`^${x.replace(/\./g, "\\.")}`)));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    // what nfsd saw when its threads started: our grace/lease (fake default 90) and the scope as host name
    expect(l[order[5]]).toMatch(/grace=10 lease=10 host=hanfs-svc$/);
    expect(await inBox(["cat", "/proc/fs/nfsd/threads"])).toBe("8");
    // Debian's layout (the node's own /var/lib/nfs has sm/ at its top): rpc.statd would not start with statd/sm
    for (const p of ["v4recovery", "nfsdcld", "sm", "sm.bak", "etab", "rmtab", "xtab"]) expect(existsSync(`${shared}/info/${p}`), p).toBe(true);
    expect(existsSync(`${shared}/info/statd`)).toBe(false);
    expect(statSync(`${shared}/info/state`).size).toBe(4);
    // nfsdcld started on the shared dir, not on the node's own /var/lib/nfs
    expect(existsSync(`${shared}/info/nfsdcld/main.sqlite`)).toBe(true);
    expect(await inBox(["stat", "-c", "%d:%i", "/var/lib/nfs"])).toBe(await inBox(["stat", "-c", "%d:%i", `${shared}/info`]));
  });

  it("monitor 0 without forking; start again changes nothing", async () => {
    await up();
    const m = await k("monitor");
    expect(m.code).toBe(0);
    const tr = await runIn(a, ["strace", "-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "env", ...Object.entries(params()).map(([kk, v]) => `OCF_RESKEY_${kk}=${v}`), "HA_LOGFACILITY=none", AGENT, "monitor"]);
    expect(tr.code).toBe(0);
    expect(tr.stderr.split("\n").filter((x) => /execve\(/.test(x) && !/ENOENT/.test(x) && !/"env"|\/env"/.test(x.split(",")[0]))).toHaveLength(1);
    const n = lines();
    expect((await k("start")).code).toBe(0);
    expect(log(n)).toEqual([]);
  });

  it("a dead helper fails the monitor; start brings back only that one", async () => {
    await up();
    const pid = await inBox(["sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat $p/comm)\" = rpc.mountd ] && echo ${p#/proc/}; done | head -1"]);
    await runIn(a, ["kill", "-KILL", pid]);
    const m = await k("monitor");
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/ocf-exit-reason:rpc\.mountd not running/);
    const n = lines();
    expect((await k("start")).code).toBe(0);
    expect(log(n)).toEqual([expect.stringMatching(/^rpc\.mountd/)]);
    expect((await k("monitor")).code).toBe(0);
  });

  it("stop: nfsd first, then nfsdcld, statd, mountd, idmapd; no mount of the shared disk left", async () => {
    await up();
    const n = lines();
    const r = await k("stop");
    expect(r.code).toBe(0);
    const l = log(n);
    const order = ["rpc.nfsd 0", "nfsdcld TERM", "rpc.statd TERM", "rpc.mountd TERM", "rpc.idmapd TERM"].map((x) => idx(l, new RegExp(`^${x.replace(/\./g, "\\.")}`)));
    expect(order.every((i) => i >= 0), l.join("\n")).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(await inBox(["cat", "/proc/fs/nfsd/threads"])).toBe("0");
    const dev = await inBox(["stat", "-c", "%d", shared]);
    const mounts = await inBox(["cat", "/proc/self/mountinfo"]);
    expect(mounts).not.toContain(" /info /var/lib/nfs "); // the bind: root /info of the shared fs on /var/lib/nfs
    expect(await inBox(["stat", "-c", "%d", "/var/lib/nfs"])).not.toBe(dev);
    expect((await k("monitor")).code).toBe(7);
    const n2 = lines();
    expect((await k("stop")).code).toBe(0);
    expect(log(n2)).toEqual([]); // nothing left to stop
  });

  it("a helper that never comes up fails start within its timeout, with a reason", async () => {
    await shOut(["touch", `${stubs}/hang-rpc.mountd`]);
    try {
      const r = await k("start", params(), { OCF_RESKEY_CRM_meta_timeout: "5000" });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ocf-exit-reason:rpc\.mountd exited right after starting/);
      expect(r.ms).toBeLessThan(5000 + 500); // the agent stops at its deadline (10% early); slack for process start on a loaded box
    } finally {
      await shOut(["rm", "-f", `${stubs}/hang-rpc.mountd`]);
    }
    expect((await k("stop")).code).toBe(0);
  });

  it("nfsd that starts no threads fails start before its deadline; grace/lease were already set", async () => {
    await shOut(["touch", `${stubs}/hang-rpc.nfsd`]);
    const n = lines();
    try {
      const r = await k("start", params(), { OCF_RESKEY_CRM_meta_timeout: "5000" });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ocf-exit-reason:nfsd started no threads before the start deadline/);
      expect(r.ms).toBeLessThan(5000 + 500); // the agent stops at its deadline (10% early); slack for process start on a loaded box
      expect(log(n).find((x) => x.startsWith("rpc.nfsd 8"))).toMatch(/grace=10 lease=10/);
    } finally {
      await shOut(["rm", "-f", `${stubs}/hang-rpc.nfsd`]);
    }
    expect((await k("stop")).code).toBe(0);
    expect((await k("monitor")).code).toBe(7);
  });

  it("ocf-tester passes (fake kernel)", async () => {
    const o = Object.entries(params()).flatMap(([kk, v]) => ["-o", `${kk}=${v}`]);
    const r = await runIn(a, ["ocf-tester", "-n", "nfs", ...o, AGENT], { timeout: 120_000 });
    expect(r.stdout + r.stderr).toMatch(/hanfs\/nfsserver passed all tests/);
    expect(r.code).toBe(0);
  });
});

describe("exportfs server=kernel on the fake kernel", () => {
  const ex = (action: string, p: Record<string, string> = { clientspec: `${NET}.0/24`, directory: `${shared}/export`, options: "rw,no_root_squash", fsid: "5", unlock_on_stop: "true" }) =>
    agentIn(a, EXPORTFS, action, p, { OCF_RESOURCE_INSTANCE: "kexp" });

  it("exports into etab, monitor needs this boot's state and running nfsd, stop removes it", async () => {
    expect((await k("start")).code).toBe(0);
    expect((await ex("monitor")).code).toBe(7);
    expect((await ex("start")).code).toBe(0);
    expect(log().pop()).toBe(`exportfs -i -o rw,no_root_squash,fsid=5 ${NET}.0/24:${shared}/export`);
    expect(readFileSync(`${shared}/info/etab`, "utf8")).toBe(`${shared}/export\t${NET}.0/24(rw,no_root_squash,fsid=5)\n`);
    expect((await ex("monitor")).code).toBe(0);
    // after a reboot etab is still on the shared disk, the state file in /run is not (RA#821)
    await runIn(a, ["rm", "/run/resource-agents/hanfs-exportfs-kexp.state"]);
    expect((await ex("monitor")).code).toBe(7);
    expect((await ex("start")).code).toBe(0);
    // nfsd gone: the export is not served
    await runIn(a, ["sh", "-c", "echo 0 > /proc/fs/nfsd/threads"]);
    const m = await ex("monitor");
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/nfsd has no threads/);
    await runIn(a, ["sh", "-c", "echo 8 > /proc/fs/nfsd/threads"]);
    expect((await ex("stop")).code).toBe(0);
    expect(readFileSync(`${shared}/info/etab`, "utf8")).toBe("");
    expect(await inBox(["cat", "/proc/fs/nfsd/unlock_filesystem"])).toBe(`${shared}/export`);
    expect((await ex("monitor")).code).toBe(7);
    expect((await ex("stop")).code).toBe(0);
    expect((await k("stop")).code).toBe(0);
  });

  it("rmtab entries follow the export: restored at start, saved into the directory at stop", async () => {
    expect((await k("start")).code).toBe(0);
    const line = `${NET}.20:${shared}/export:0x00000001`;
    writeFileSync(`${shared}/export/.rmtab`, `${line}\n`);
    expect((await ex("start")).code).toBe(0);
    expect(readFileSync(`${shared}/info/rmtab`, "utf8")).toContain(line);
    writeFileSync(`${shared}/info/rmtab`, `${line}\n${NET}.21:${shared}/export:0x00000002\n${NET}.22:/elsewhere:0x00000001\n`);
    expect((await ex("stop")).code).toBe(0);
    expect(readFileSync(`${shared}/export/.rmtab`, "utf8")).toBe(`${line}\n${NET}.21:${shared}/export:0x00000002\n`);
    expect((await k("stop")).code).toBe(0);
  });

  it("wait_for_leasetime_on_stop waits for the lease, but never past the stop timeout", async () => {
    expect((await k("start")).code).toBe(0);
    const p = { clientspec: `${NET}.0/24`, directory: `${shared}/export`, fsid: "5", wait_for_leasetime_on_stop: "true" };
    expect((await ex("start", p)).code).toBe(0);
    expect(await inBox(["cat", "/proc/fs/nfsd/nfsv4leasetime"])).toBe("10");
    const r = await agentIn(a, EXPORTFS, "stop", p, { OCF_RESOURCE_INSTANCE: "kexp", OCF_RESKEY_CRM_meta_timeout: "6000" });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/waiting \d s for NFSv4 leases/);
    expect(r.ms).toBeGreaterThan(2500); // it did wait...
    expect(r.ms).toBeLessThan(6000); // ...less than the 10 s lease: the stop timeout comes first
    expect((await k("stop")).code).toBe(0);
  });

  it("ocf-tester passes for exportfs (fake kernel)", async () => {
    expect((await k("start")).code).toBe(0);
    const p = { clientspec: `${NET}.0/24`, directory: `${shared}/export`, options: "rw", fsid: "6" };
    const r = await runIn(a, ["ocf-tester", "-n", "kexp", ...Object.entries(p).flatMap(([kk, v]) => ["-o", `${kk}=${v}`]), EXPORTFS], { timeout: 120_000 });
    expect(r.stdout + r.stderr).toMatch(/hanfs\/exportfs passed all tests/);
    expect(r.code).toBe(0);
    expect((await k("stop")).code).toBe(0);
  });
});

describe("nfsserver server=kernel under systemd (fake systemctl)", () => {
  let b: Host;
  const sdParams = () => ({ ...params(), nfs_shared_infodir: `${shared}/info-sd` });
  const kb = (action: string) => agentIn(b, AGENT, action, sdParams());

  it("start: nfs.conf and the scope drop-in before nfs-server, units in order; stop: nfs-server first", async () => {
    await shOut(["mkdir", "-p", `${shared}/info-sd`]);
    b = await machine(s, sw, "knfs-sd", `${NET}.52`);
    await fakeKernel(b, stubs, true);
    const n = lines();
    const r = await kb("start");
    expect(r.stderr).toMatch(/NFS server started: 8 threads/);
    expect(r.code).toBe(0);
    const l = log(n).filter((x) => x.startsWith("systemctl") || x.startsWith("rpc.nfsd"));
    expect(l).toEqual([
      "systemctl daemon-reload",
      // nothing of NFS ran on this node: nothing to stop before the bind
      "systemctl start rpcbind.socket rpcbind.service",
      // one transaction: systemd orders nfs-server after the helpers (nfsdcld before nfsd)
      "systemctl start rpc-statd.service nfsdcld.service nfs-idmapd.service nfs-mountd.service nfs-server.service",
      // what the drop-in's ExecStart ran (the fake systemctl runs it as systemd would): rpc.nfsd with
      // nfs.conf's thread count, grace/lease already in /proc, the scope as its host name
      "rpc.nfsd grace=10 lease=10 host=hanfs-svc",
    ]);
    expect(await inBoxOf(b, ["cat", "/proc/fs/nfsd/threads"])).toBe("8");
    const conf = (await runIn(b, ["cat", "/etc/nfs.conf.d/hanfs-nfsserver.conf"])).stdout;
    expect(conf).toMatch(/\[nfsd\]\nthreads=8\ngrace-time=10\nlease-time=10\n/);
    const dropin = (await runIn(b, ["cat", "/run/systemd/system/nfs-server.service.d/50-hanfs-scope.conf"])).stdout;
    expect(dropin).toMatch(/^ExecStart=$/m);
    expect(dropin).toMatch(/^ExecStart=\/usr\/bin\/unshare --uts -- \/bin\/sh -c 'hostname "\$\$0" && exec "\$\$@"' hanfs-svc \/usr\/sbin\/rpc\.nfsd$/m);
    expect((await kb("monitor")).code).toBe(0);

    const n2 = lines();
    expect((await kb("stop")).code).toBe(0);
    expect(log(n2).filter((x) => x.startsWith("systemctl stop"))).toEqual(["systemctl stop nfs-server.service nfsdcld.service rpc-statd.service nfs-mountd.service nfs-idmapd.service"]);
    expect((await runIn(b, ["cat", "/proc/self/mountinfo"])).stdout).not.toContain(" /info-sd /var/lib/nfs ");
    expect((await kb("monitor")).code).toBe(7);
  });
});

describe("nfsserver server=kernel failover between two fake nodes", () => {
  it("the next node serves with the same scope and the same NSM state from the shared dir (RA#1644)", async () => {
    await shOut(["mkdir", "-p", `${shared}/info-fo`]);
    const p = { ...params(), nfs_shared_infodir: `${shared}/info-fo` };
    const [x, y] = [await machine(s, sw, "knfs-x", `${NET}.53`), await machine(s, sw, "knfs-y", `${NET}.54`)];
    for (const b of [x, y]) await fakeKernel(b, stubs);
    let n = lines();
    expect((await agentIn(x, AGENT, "start", p)).code).toBe(0);
    const state = readFileSync(`${shared}/info-fo/state`);
    expect(log(n).find((l) => l.startsWith("rpc.nfsd 8"))).toMatch(/host=hanfs-svc$/);

    await x.down(); // its bind mount and daemons die with it
    n = lines();
    const r = await agentIn(y, AGENT, "start", p);
    expect(r.code).toBe(0);
    // a different host name, the same scope: clients may reclaim
    expect((await runIn(y, ["hostname"])).stdout.trim()).toBe("knfs-y");
    expect(log(n).find((l) => l.startsWith("rpc.nfsd 8"))).toMatch(/grace=10 lease=10 host=hanfs-svc$/);
    expect(readFileSync(`${shared}/info-fo/state`).equals(state)).toBe(true);
    expect((await agentIn(y, AGENT, "monitor", p)).code).toBe(0);
    expect((await agentIn(y, AGENT, "stop", p)).code).toBe(0);
  });
});

describe("nfsserver and exportfs (kernel) through symlinks", () => {
  it("info dir behind a symlink (trailing slash): bound over /var/lib/nfs, monitored, unbound", async () => {
    await shOut(["mkdir", "-p", `${shared}/info-real`]);
    symlinkSync("info-real", `${shared}/info-sl`);
    const p = { ...params(), nfs_shared_infodir: `${shared}/info-sl/` };
    expect((await k("monitor", p)).code).toBe(7);
    const st = await k("start", p);
    expect(st.stderr).not.toMatch(/ocf-exit-reason/);
    expect(st.code).toBe(0);
    expect(await inBox(["stat", "-c", "%d:%i", "/var/lib/nfs"])).toBe(await inBox(["stat", "-c", "%d:%i", `${shared}/info-real`]));
    expect((await k("monitor", p)).code).toBe(0);
    const n = lines();
    expect((await k("start", p)).code).toBe(0);
    expect(log(n)).toEqual([]); // recognised as running: nothing restarted
    expect((await k("stop", p)).code).toBe(0);
    expect(await inBox(["cat", "/proc/self/mountinfo"])).not.toContain(" /info-real /var/lib/nfs ");
    expect((await k("monitor", p)).code).toBe(7);
  });

  it("exported directory behind a symlink: exported under its real path; stop also removes an etab line under the configured one", async () => {
    symlinkSync("export", `${shared}/export-sl`);
    const p = { clientspec: `${NET}.0/24`, directory: `${shared}/export-sl/`, options: "rw", fsid: "9" };
    const ex = (action: string) => agentIn(a, EXPORTFS, action, p, { OCF_RESOURCE_INSTANCE: "slexp" });
    expect((await k("start")).code).toBe(0);
    expect((await ex("monitor")).code).toBe(7);
    expect((await ex("start")).code).toBe(0);
    expect(log().pop()).toBe(`exportfs -i -o rw,fsid=9 ${NET}.0/24:${shared}/export`);
    expect(readFileSync(`${shared}/info/etab`, "utf8")).toBe(`${shared}/export\t${NET}.0/24(rw,fsid=9)\n`);
    expect((await ex("monitor")).code).toBe(0);
    // as an older hanfs (or a hand-made export) would have left it: under the path as configured
    writeFileSync(`${shared}/info/etab`, `${readFileSync(`${shared}/info/etab`, "utf8")}${shared}/export-sl\t${NET}.0/24(rw)\n`);
    expect((await ex("stop")).code).toBe(0);
    expect(readFileSync(`${shared}/info/etab`, "utf8")).toBe("");
    expect((await ex("monitor")).code).toBe(7);
    expect((await k("stop")).code).toBe(0);
  });
});
