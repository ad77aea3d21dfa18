import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import { assertPrivateNet } from "./lib/net";
import { PATH, sh, until, type Result } from "./lib/sh";
import { startedOn, type Status } from "./lib/status";

/**
 * ocf:hanfs:nfsserver (ganesha) in the cluster: group Filesystem + nfsserver + exportfs + VIP on
 * the shared disk; an NFS client keeps writing (v3) and reading back (v4) through the VIP while
 * `crm node standby` moves the group. Measures the client's I/O stall; checks every byte.
 */
const GRACE = 10;
const VIP = "198.51.100.100";
const CLIENT = "198.51.100.20";

/** A client machine: a network namespace plugged into the lab switch (the host's mounts, no cluster). */
class Client {
  pid = 0;
  constructor(private c: Cluster) {}
  async up() {
    const holder = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", "--net", "--fork", "--kill-child=KILL", "--", "perl", "-e", '$0 = "hanfs-lab-client"; sleep 1 while 1'], { stdio: "ignore", detached: true, env: { PATH } });
    this.c.run.track(holder.pid!, "client-unshare");
    this.pid = await until("client namespace", 5000, () => {
      const kid = Number(readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, "utf8").trim().split(" ")[0]);
      return kid && readFileSync(`/proc/${kid}/cmdline`, "utf8").includes("hanfs-lab-client") ? kid : undefined;
    }, 10);
    this.c.run.track(this.pid, "client");
    assertPrivateNet(this.pid);
    await this.c.sw.plug("cli0", this.pid, CLIENT);
  }
  run(argv: string[], timeout = 10_000): Promise<Result> {
    return sh(["nsenter", "-t", String(this.pid), "-n", "--", ...argv], { timeout, check: false });
  }
}

const groupOn = (s: Status) => {
  const n = startedOn(s, "fs");
  return n && ["nfs", "exp", "vip"].every((r) => startedOn(s, r) === n) ? n : undefined;
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const url = (f: string, v: 3 | 4) => `nfs://${VIP}/srv/export/${f}${v === 4 ? "?version=4" : ""}`;

/**
 * The client's workload: write a new file (v3), read the previous one back (v4), forever; an
 * iteration counts once both succeeded. Failed writes use a new name (a refused SETATTR leaves the
 * file behind). Every call is bounded (a server that vanished mid-call costs 5 s, then a retry).
 */
class ClientIO {
  readonly acked = new Map<string, string>();
  readonly okAt: number[] = [];
  readErrors = 0;
  private stopped = false;
  private done: Promise<void>;
  constructor(cli: Client, tmp: string, prefix: string) {
    this.done = (async () => {
      let prev: string | undefined;
      for (let i = 0; !this.stopped; i++) {
        const name = `${prefix}${String(i).padStart(5, "0")}.bin`;
        const data = randomBytes(48 * 1024);
        writeFileSync(join(tmp, "src.bin"), data);
        if ((await cli.run(["nfs-cp", join(tmp, "src.bin"), url(name, 3)], 5000)).code !== 0) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        this.acked.set(name, sha(data));
        if (prev) {
          const r = await cli.run(["sh", "-c", `nfs-cat '${url(prev, 4)}' | sha256sum`], 5000);
          if (r.stdout.split(" ")[0] !== this.acked.get(prev)) {
            this.readErrors++;
            await new Promise((res) => setTimeout(res, 100));
            continue;
          }
        }
        prev = name;
        this.okAt.push(Date.now());
      }
    })();
  }
  async stop() {
    this.stopped = true;
    await this.done;
  }
  /** Longest gap between successful iterations, and when it began relative to t0. */
  stall(t0: number) {
    let ms = 0;
    let at = 0;
    for (let i = 1; i < this.okAt.length; i++) if (this.okAt[i] - this.okAt[i - 1] > ms) [ms, at] = [this.okAt[i] - this.okAt[i - 1], this.okAt[i - 1] - t0];
    return { ms, at };
  }
}

describe("NFS failover (ganesha) with a client writing through it", () => {
  let c: Cluster;
  let cli: Client;
  let tmp: string;
  beforeAll(async () => {
    c = await Cluster.up(2, { names: ["alpha", "delta"], diskMb: 128 });
    note(`2-node cluster up in ${c.timings.bootMs} ms`);
    cli = new Client(c);
    await cli.up();
    tmp = mkdtempSync("/tmp/hanfs-lab-nfs-");
  }, 90_000);
  afterAll(async () => {
    await c?.down();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Every acknowledged file, read back over NFSv4 through the VIP and on the disk of `on`. */
  async function verify(io: ClientIO, on: string) {
    let bad = 0;
    for (const [name, sum] of io.acked) {
      const r = await cli.run(["sh", "-c", `nfs-cat '${url(name, 4)}' | sha256sum`], 10_000);
      if (r.stdout.split(" ")[0] !== sum) bad++;
    }
    const disk = await c.exec(on, ["sh", "-c", "cd /srv/export && sha256sum *.bin"], { timeout: 30_000 });
    const onDisk = new Map(disk.stdout.trim().split("\n").map((l) => [l.split(/\s+/)[1], l.split(" ")[0]] as const));
    expect(bad).toBe(0);
    for (const [name, sum] of io.acked) expect(onDisk.get(name), name).toBe(sum);
  }

  it(`crm node standby: client I/O resumes within grace (${GRACE} s) + 5 s, every byte intact`, async () => {
    const [alpha, delta] = c.nodes;
    await c.disk!.mkdirs(alpha, ["nfs_info", "export"]);
    await c.crm(`primitive fs ocf:hanfs:Filesystem params device=${c.disk!.dev} directory=/srv fstype=ext4 op monitor interval=10s timeout=40s
primitive nfs ocf:hanfs:nfsserver params server=ganesha nfs_shared_infodir=/srv/nfs_info nfsv4_grace_time=${GRACE} nfsv4_lease_time=10 ganesha_log=/var/log/ganesha.log op monitor interval=10s timeout=20s
primitive exp ocf:hanfs:exportfs params server=ganesha clientspec=198.51.100.0/24 directory=/srv/export fsid=1 options=rw,no_root_squash op monitor interval=10s timeout=20s
primitive vip ocf:heartbeat:IPaddr2 params ip=${VIP} cidr_netmask=24 nic=eth0 op monitor interval=10s
group HA fs nfs exp vip
location HA-prefers-alpha HA 100: alpha
`);
    await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA started on alpha");
    const io = new ClientIO(cli, tmp, "s");
    await until("client I/O before the failover", 20_000, () => io.okAt.length >= 10, 100);

    const t0 = Date.now();
    await c.exec(delta, ["crm", "node", "standby", "alpha"], { timeout: 30_000 });
    const s = await c.waitFor((s) => groupOn(s) === "delta", 60_000, "HA started on delta");
    const groupMs = Date.now() - t0;
    const before = io.okAt.length;
    await until("client I/O after the failover", (GRACE + 30) * 1000, () => io.okAt.length >= before + 10, 100);
    await io.stop();
    const stall = io.stall(t0);
    note(`standby alpha → group started on delta in ${(groupMs / 1000).toFixed(2)} s; client I/O stall ${(stall.ms / 1000).toFixed(2)} s starting ${(stall.at / 1000).toFixed(2)} s after the standby; ${io.okAt.length} client iterations, ${io.acked.size} files`);

    await verify(io, "delta");
    expect(stall.ms).toBeLessThanOrEqual((GRACE + 5) * 1000);
    expect(s.failures).toEqual([]);
    expect(s.fencing).toEqual([]);
    // by now delta's monitors (10 s interval) have run against the new server: still no failure
    const end = await c.status();
    expect(groupOn(end)).toBe("delta");
    expect(end.failures).toEqual([]);
    expect(c.disk!.mountsOn(alpha)).toEqual([]);
  }, 240_000);

  it("power loss of the serving node: fenced, the group restarts on the other, no acknowledged byte lost", async () => {
    await c.online("alpha");
    await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA back on alpha");
    const io = new ClientIO(cli, tmp, "p");
    await until("client I/O before the crash", 20_000, () => io.okAt.length >= 10, 100);

    const t0 = Date.now();
    await c.powerOff("alpha");
    const s = await c.waitFor((s) => groupOn(s) === "delta" && s.fencing.length > 0, 90_000, "alpha fenced, HA started on delta", "delta");
    const groupMs = Date.now() - t0;
    const before = io.okAt.length;
    await until("client I/O after the crash", (GRACE + 60) * 1000, () => io.okAt.length >= before + 10, 100);
    await io.stop();
    const stall = io.stall(t0);
    note(`power off alpha → fenced, group started on delta in ${(groupMs / 1000).toFixed(2)} s; client I/O stall ${(stall.ms / 1000).toFixed(2)} s; ${io.acked.size} files`);

    await verify(io, "delta");
    // detection (token 2 s) + fencing + start + grace, with one bounded client call in flight
    expect(stall.ms).toBeLessThanOrEqual((GRACE + 20) * 1000);
    expect(s.failures).toEqual([]);
  }, 240_000);
});
