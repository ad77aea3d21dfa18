import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import { CLIENT, NfsLoop } from "./lib/frontend";
import { Host } from "./lib/host";
import type { Node } from "./lib/node";
import { until } from "../lib/sh";
import { startedOn, type Status } from "./lib/status";

/**
 * ocf:hanfs:nfsserver (ganesha) in the cluster: group Filesystem + nfsserver + exportfs + VIP on
 * the shared disk; an NFS client host (lib/host.ts) keeps writing (v3) and reading back (v4)
 * through the VIP (lib/frontend.ts NfsLoop; no proxy: ports from the server's portmapper) while
 * `crm node standby` moves the group. Measures the client's I/O stall; checks every byte.
 */
const GRACE = 10;
const VIP = "198.51.100.100";
const EXPORT = "/srv/export";

const groupOn = (s: Status) => {
  const n = startedOn(s, "fs");
  return n && ["nfs", "exp", "vip"].every((r) => startedOn(s, r) === n) ? n : undefined;
};

describe("NFS failover (ganesha) with a client writing through it", () => {
  let c: Cluster;
  let cli: Host;
  beforeAll(async () => {
    c = await Cluster.up(2, { names: ["alpha", "delta"], diskMb: 128 });
    note(`2-node cluster up in ${c.timings.bootMs} ms`);
    cli = await new Host("client", CLIENT, c.run, c.sw).up();
  }, 90_000);
  afterAll(async () => {
    await cli?.down().catch((e) => console.error(`client teardown: ${e}`));
    await c?.down();
  });

  /** The client's write/read-back loop through the VIP; files PREFIX*.bin (each test its own). */
  const loop = (prefix: string) => new NfsLoop(cli, VIP, EXPORT, join(c.run.dir, "client"), { prefix, v3Ports: "portmapper" }).start();

  /** Every acknowledged file, read back over NFSv4 through the VIP and on the disk of `on`. */
  async function verify(io: NfsLoop, on: Node) {
    expect(await io.badOverNfs()).toEqual([]);
    expect(await io.badOnDisk(on, EXPORT)).toEqual([]);
  }

  it(`crm node standby: client I/O resumes within grace (${GRACE} s) + 5 s, every byte intact`, async () => {
    const [alpha, delta] = c.nodes;
    await c.disk!.mkdirs(alpha, ["nfs_info", "export"]);
    await c.crm(`primitive fs ocf:hanfs:Filesystem params device=${c.disk!.dev} directory=/srv fstype=ext4 op monitor interval=10s timeout=40s
primitive nfs ocf:hanfs:nfsserver params server=ganesha nfs_shared_infodir=/srv/nfs_info nfsv4_grace_time=${GRACE} nfsv4_lease_time=10 ganesha_log=/var/log/ganesha.log op monitor interval=10s timeout=20s
primitive exp ocf:hanfs:exportfs params server=ganesha clientspec=198.51.100.0/24 directory=${EXPORT} fsid=1 options=rw,no_root_squash op monitor interval=10s timeout=20s
primitive vip ocf:heartbeat:IPaddr2 params ip=${VIP} cidr_netmask=24 nic=eth0 op monitor interval=10s
group HA fs nfs exp vip
location HA-prefers-alpha HA 100: alpha
`);
    await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA started on alpha");
    const io = loop("s");
    try {
      await until("client I/O before the failover", 20_000, () => io.okAt.length >= 10, 100);

      const t0 = Date.now();
      await c.exec(delta, ["crm", "node", "standby", "alpha"], { timeout: 30_000 });
      const s = await c.waitFor((s) => groupOn(s) === "delta", 60_000, "HA started on delta");
      const groupMs = Date.now() - t0;
      const before = io.okAt.length;
      await until("client I/O after the failover", (GRACE + 30) * 1000, () => io.okAt.length >= before + 10, 100);
      await io.stop();
      const stall = io.stall();
      note(`standby alpha → group started on delta in ${(groupMs / 1000).toFixed(2)} s; client I/O stall ${(stall.ms / 1000).toFixed(2)} s starting ${((stall.from - t0) / 1000).toFixed(2)} s after the standby; ${io.okAt.length} client iterations, ${io.acked.size} files`);

      await verify(io, delta);
      expect(stall.ms).toBeLessThanOrEqual((GRACE + 5) * 1000);
      expect(s.failures).toEqual([]);
      expect(s.fencing).toEqual([]);
      // by now delta's monitors (10 s interval) have run against the new server: still no failure
      const end = await c.status();
      expect(groupOn(end)).toBe("delta");
      expect(end.failures).toEqual([]);
      expect(c.disk!.mountsOn(alpha)).toEqual([]);
    } finally {
      await io.stop();
    }
  }, 240_000);

  it("power loss of the serving node: fenced, the group restarts on the other, no acknowledged byte lost", async () => {
    await c.online("alpha");
    await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA back on alpha");
    const io = loop("p");
    try {
      await until("client I/O before the crash", 20_000, () => io.okAt.length >= 10, 100);

      const t0 = Date.now();
      await c.powerOff("alpha");
      const s = await c.waitFor((s) => groupOn(s) === "delta" && s.fencing.length > 0, 90_000, "alpha fenced, HA started on delta", "delta");
      const groupMs = Date.now() - t0;
      const before = io.okAt.length;
      await until("client I/O after the crash", (GRACE + 60) * 1000, () => io.okAt.length >= before + 10, 100);
      await io.stop();
      const stall = io.stall();
      note(`power off alpha → fenced, group started on delta in ${(groupMs / 1000).toFixed(2)} s; client I/O stall ${(stall.ms / 1000).toFixed(2)} s; ${io.acked.size} files`);

      await verify(io, c.node("delta"));
      // detection (token 2 s) + fencing + start + grace, with one bounded client call in flight
      expect(stall.ms).toBeLessThanOrEqual((GRACE + 20) * 1000);
      expect(s.failures).toEqual([]);
    } finally {
      await io.stop();
    }
  }, 240_000);
});
