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

    // the client: write a new file (v3), read the previous one back (v4), forever; an iteration
    // counts once both succeeded. Failed writes use a new name (a refused SETATTR leaves the file).
    const url = (f: string, v: 3 | 4) => `nfs://${VIP}/srv/export/${f}${v === 4 ? "?version=4" : ""}`;
    const acked = new Map<string, string>();
    const okAt: number[] = [];
    let stop = false;
    let prev: string | undefined;
    let readErrors = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const name = `f${String(i).padStart(5, "0")}.bin`;
        const data = randomBytes(48 * 1024);
        writeFileSync(join(tmp, "src.bin"), data);
        const w = await cli.run(["nfs-cp", join(tmp, "src.bin"), url(name, 3)], 5000);
        if (w.code !== 0) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        acked.set(name, sha(data));
        if (prev) {
          const r = await cli.run(["sh", "-c", `nfs-cat '${url(prev, 4)}' | sha256sum`], 5000);
          if (r.stdout.split(" ")[0] !== acked.get(prev)) {
            readErrors++;
            await new Promise((res) => setTimeout(res, 100));
            continue;
          }
        }
        prev = name;
        okAt.push(Date.now());
      }
    })();
    await until("client I/O before the failover", 20_000, () => okAt.length >= 10, 100);

    const t0 = Date.now();
    await c.exec(delta, ["crm", "node", "standby", "alpha"], { timeout: 30_000 });
    const s = await c.waitFor((s) => groupOn(s) === "delta", 60_000, "HA started on delta");
    const groupMs = Date.now() - t0;
    const before = okAt.length;
    await until("client I/O after the failover", (GRACE + 30) * 1000, () => okAt.length >= before + 10, 100);
    stop = true;
    await writer;

    let stall = 0;
    let at = 0;
    for (let i = 1; i < okAt.length; i++) if (okAt[i] - okAt[i - 1] > stall) [stall, at] = [okAt[i] - okAt[i - 1], okAt[i - 1] - t0];
    note(`standby alpha → group started on delta in ${(groupMs / 1000).toFixed(2)} s; v4 read-backs refused meanwhile: ${readErrors}; client I/O stall ${(stall / 1000).toFixed(2)} s starting ${(at / 1000).toFixed(2)} s after the standby; ${okAt.length} client iterations, ${acked.size} files`);

    // every acknowledged file, read back over NFSv4 from delta, and on delta's disk
    let bad = 0;
    for (const [name, sum] of acked) {
      const r = await cli.run(["sh", "-c", `nfs-cat '${url(name, 4)}' | sha256sum`], 10_000);
      if (r.stdout.split(" ")[0] !== sum) bad++;
    }
    const disk = await c.exec(delta, ["sh", "-c", "cd /srv/export && sha256sum f*.bin"], { timeout: 30_000 });
    const onDisk = new Map(disk.stdout.trim().split("\n").map((l) => [l.split(/\s+/)[1], l.split(" ")[0]] as const));
    expect(bad).toBe(0);
    for (const [name, sum] of acked) expect(onDisk.get(name), name).toBe(sum);
    expect(stall).toBeLessThanOrEqual((GRACE + 5) * 1000);
    expect(s.failures).toEqual([]);
    expect(s.fencing).toEqual([]);
    // by now delta's monitors (10 s interval) have run against the new server: still no failure
    const end = await c.status();
    expect(groupOn(end)).toBe("delta");
    expect(end.failures).toEqual([]);
    expect(c.disk!.mountsOn(alpha)).toEqual([]);
  }, 240_000);
});
