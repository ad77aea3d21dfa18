import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import { FALL, Frontend, INTER_MS, NfsLoop, PROXY, RISE } from "./lib/frontend";
import { DOWN, UP } from "./lib/haproxy";
import { until } from "../lib/sh";
import { startedOn, type Status } from "./lib/status";

/**
 * haproxy 2.6 on a proxy host in front of the two nodes' own addresses (no VIP): alpha serves,
 * delta is the backup, health from the installed hanfs external check (NFSv4 LOOKUP of the export).
 * `crm node standby alpha` moves group fs + nfsserver(ganesha) + exportfs to delta; haproxy must
 * mark alpha DOWN and delta UP (runtime API), and a client behind haproxy that keeps writing (v3)
 * and reading back (v4) must go on working with every acknowledged file intact. Prints the stall.
 */
const GRACE = 10;
const EXPORT = "/srv/export";

const groupOn = (s: Status) => {
  const n = startedOn(s, "fs");
  return n && ["nfs", "exp"].every((r) => startedOn(s, r) === n) ? n : undefined;
};
const secs = (ms: number) => (ms / 1000).toFixed(2);

describe("haproxy in front of the cluster: NFS failover under crm node standby", () => {
  let c: Cluster;
  let fe: Frontend;
  beforeAll(async () => {
    c = await Cluster.up(2, { names: ["alpha", "delta"], diskMb: 128 });
    note(`2-node cluster up in ${c.timings.bootMs} ms`);
  }, 90_000);
  afterAll(async () => {
    await fe?.down().catch((e) => console.error(`proxy teardown: ${e}`));
    await c?.down();
  });

  it(`the client behind haproxy keeps working (stall <= grace ${GRACE} s + 5 s); alpha DOWN, delta UP in haproxy`, async () => {
    const [alpha, delta] = c.nodes;
    await c.disk!.mkdirs(alpha, ["nfs_info", "export"]);
    await c.crm(`primitive fs ocf:hanfs:Filesystem params device=${c.disk!.dev} directory=/srv fstype=ext4 op monitor interval=10s timeout=40s
primitive nfs ocf:hanfs:nfsserver params server=ganesha nfs_shared_infodir=/srv/nfs_info nfsv4_grace_time=${GRACE} nfsv4_lease_time=10 mountd_port=20048 ganesha_log=/var/log/ganesha.log op monitor interval=10s timeout=20s
primitive exp ocf:hanfs:exportfs params server=ganesha clientspec=198.51.100.0/24 directory=${EXPORT} fsid=1 options=rw,no_root_squash op monitor interval=10s timeout=20s
group HA fs nfs exp
location HA-prefers-alpha HA 100: alpha
`);
    // the proxy comes up meanwhile; delta has no NFS server, so it starts (and stays) DOWN
    fe = await Frontend.up(c, [alpha, delta], EXPORT);
    await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA started on alpha");
    await fe.settle("alpha", 15_000);

    const loop = new NfsLoop(fe.client, PROXY, EXPORT, join(c.run.dir, "client")).start();
    try {
      await until("client I/O through haproxy before the failover", 20_000, () => loop.okAt.length >= 10, 100);
      const before = await fe.sessions();

      const t0 = Date.now();
      await c.exec(delta, ["crm", "node", "standby", "alpha"], { timeout: 30_000 });
      const s = await c.waitFor((s) => groupOn(s) === "delta", 60_000, "HA started on delta");
      const groupMs = Date.now() - t0;
      const n = loop.okAt.length;
      await until("client I/O through haproxy after the failover", (GRACE + 30) * 1000, () => loop.okAt.length >= n + 10, 100);
      await loop.stop();
      await fe.settle("delta", 1000);
      const after = await fe.sessions();

      const downAt = fe.watch.firstAt("alpha", DOWN, t0);
      const upAt = fe.watch.firstAt("delta", UP, t0);
      const stall = loop.stall(t0 - 5000);
      const wstall = loop.writeStall(t0 - 5000);
      note(
        `standby alpha → group on delta in ${secs(groupMs)} s; haproxy: alpha DOWN at ${downAt ? secs(downAt - t0) : "?"} s, delta UP at ${upAt ? secs(upAt - t0) : "?"} s ` +
          `(inter ${INTER_MS / 1000}s fall ${FALL} rise ${RISE}); client stall through haproxy ${secs(stall.ms)} s (from ${secs(stall.from - t0)} s to ${secs(stall.from + stall.ms - t0)} s after the standby; writes alone: ${secs(wstall.ms)} s, back at ${secs(wstall.from + wstall.ms - t0)} s); ` +
          `${loop.okAt.length} iterations, ${loop.acked.size} files, ${loop.writeErrors} failed writes, ${loop.readErrors} failed read-backs; ` +
          `sessions alpha ${before.alpha}→${after.alpha}, delta ${before.delta}→${after.delta}`,
      );

      // every acknowledged file: read back over NFSv4 through haproxy (now delta), and on delta's disk
      expect(await loop.badOverNfs()).toEqual([]);
      expect(await loop.badOnDisk(delta, EXPORT)).toEqual([]);
      // haproxy's view (runtime API): alpha went DOWN, delta came UP, after the standby
      expect(downAt).toBeDefined();
      expect(upAt).toBeDefined();
      // alpha stops serving before the group is on delta: fall checks later it is DOWN; delta: rise checks after
      expect(downAt! - t0).toBeLessThanOrEqual(groupMs + FALL * INTER_MS + 3000);
      expect(upAt! - t0).toBeLessThanOrEqual(groupMs + RISE * INTER_MS + 3000);
      // the traffic really went through haproxy: to alpha before, to delta after
      expect(before.alpha).toBeGreaterThan(0);
      expect(before.delta).toBe(0);
      expect(after.delta).toBeGreaterThan(0);
      expect(stall.ms).toBeLessThanOrEqual((GRACE + 5) * 1000);
      expect(s.failures).toEqual([]);
      expect(s.fencing).toEqual([]);
      expect(c.disk!.mountsOn(alpha)).toEqual([]);
    } catch (e) {
      if (existsSync(fe.hap.log)) console.error(readFileSync(fe.hap.log, "utf8").split("\n").slice(-30).join("\n"));
      throw e;
    } finally {
      await loop.stop();
    }
  }, 150_000);
});
