// npm run demo: a 2-node lab running the seed's configuration on hanfs's agents, the seed's
// failover test (write, standby node 1, write again, bring it back), a short report, teardown.
// With nfs-ganesha, an haproxy host in front of the two nodes and an NFS client behind it keep
// working through both moves; the report adds what the client saw. `--vm`: the same test on real
// DRBD and kernel NFS in QEMU guests (test/vmlab/demo.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Cluster, HANFS } from "./lib/cluster";
import { CLIENT, FALL, Frontend, INTER_MS, NfsLoop, PROXY, RISE } from "./lib/frontend";
import { DOWN, UP } from "./lib/haproxy";
import { startedOn, type Status } from "./lib/status";
import { MountWatch } from "./lib/storage";
import { sh, until } from "../lib/sh";
import { sha256, writeRandom } from "./lib/workload";

const say = (s = "") => process.stdout.write(s + "\n");
const secs = (ms: number) => (ms / 1000).toFixed(2) + " s";

const EXPORT = "/srv/export";

/**
 * The seed's `group HA fs_nfs nfs` with the hanfs agents the binary has; a stand-in for the rest.
 * With ganesha the group also exports /srv/export (ocf:hanfs:exportfs) for the client behind haproxy.
 */
function seedConfig(dev: string, agents: string) {
  const hasNfs = agents.includes("ocf:hanfs:nfsserver") && existsSync("/usr/bin/ganesha.nfsd");
  const hasExp = hasNfs && agents.includes("ocf:hanfs:exportfs");
  const nfs = hasNfs
    ? `primitive nfs ocf:hanfs:nfsserver params server=ganesha nfs_shared_infodir=/srv/nfs_info nfsv4_grace_time=10 nfsv4_lease_time=10${hasExp ? " mountd_port=20048" : ""} ganesha_log=/var/log/ganesha.log op monitor interval=10s timeout=20s`
    : "primitive nfs ocf:heartbeat:Dummy op monitor interval=10s";
  const exp = hasExp
    ? `primitive exp ocf:hanfs:exportfs params server=ganesha clientspec=198.51.100.0/24 directory=${EXPORT} fsid=1 options=rw,no_root_squash op monitor interval=10s timeout=20s\n`
    : "";
  const text = `primitive fs_nfs ocf:hanfs:Filesystem params device=${dev} directory=/srv fstype=ext4 op monitor interval=10s timeout=40s
${nfs}
${exp}group HA fs_nfs nfs${hasExp ? " exp" : ""}
location HA-prefers-alpha HA 100: alpha
`;
  return { text, hasExp, nfsAgent: hasNfs ? "ocf:hanfs:nfsserver (server=ganesha)" : "ocf:heartbeat:Dummy (stand-in: no ocf:hanfs:nfsserver, or nfs-ganesha not installed)" };
}

const members = ["fs_nfs", "nfs"];
const groupOn = (s: Status) => {
  const a = startedOn(s, "fs_nfs");
  return a && members.every((m) => startedOn(s, m) === a) ? a : undefined;
};

/**
 * After a move from `from` to `to` started at `t0`: haproxy must mark `from` DOWN and `to` UP
 * (runtime API) and the client behind it must work again. Prints one line; returns the client's stall (ms).
 */
async function throughHaproxy(fe: Frontend, loop: NfsLoop, t0: number, from: string, to: string, check: (ok: boolean, what: string) => void) {
  const n = loop.okAt.length;
  try {
    await until(`client I/O through haproxy after the move to ${to}`, 40_000, () => loop.okAt.length >= n + 5, 100);
    await fe.settle(to, 10_000);
  } catch (e) {
    check(false, (e as Error).message);
  }
  const down = fe.watch.firstAt(from, DOWN, t0);
  const up = fe.watch.firstAt(to, UP, t0);
  const stall = loop.stall(t0);
  check(down !== undefined && up !== undefined, `haproxy marked ${from} DOWN and ${to} UP`);
  const at = (x?: number) => (x === undefined ? "never" : secs(x - t0));
  say(`   through haproxy: ${from} DOWN at ${at(down)}, ${to} UP at ${at(up)}; client stall ${secs(stall.ms)} (I/O back ${at(stall.from + stall.ms)} after the command)`);
  return stall.ms;
}

async function main(): Promise<number> {
  const agents = (await sh([HANFS, "list"], { timeout: 10_000 })).stdout;
  say("hanfs demo: the seed's HA NFS cluster (alpha/delta) in namespaces on this machine");
  const t0 = Date.now();
  const c = await Cluster.up(2, { names: ["alpha", "delta"], diskMb: 128 });
  const ok: string[] = [];
  const bad: string[] = [];
  const check = (cond: boolean, what: string) => (cond ? ok : bad).push(what);
  let watch: MountWatch | undefined;
  let fe: Frontend | undefined;
  let loop: NfsLoop | undefined;
  try {
    say(`cluster up: alpha ${c.node("alpha").addr}, delta ${c.node("delta").addr}, shared disk ${c.disk!.dev}, ${secs(c.timings.bootMs)} to quorum with a DC`);
    watch = new MountWatch(c.disk!, c.nodes).start();
    await c.disk!.mkdirs(c.node("alpha"), ["nfs_info", "export"]);
    const { text, nfsAgent, hasExp } = seedConfig(c.disk!.dev, agents);
    if (hasExp) members.push("exp");
    await c.crm(text);
    say("configuration (crm):");
    text.trim().split("\n").forEach((l) => say("    " + l));
    say("    + fence-lab (stonith:fence_hanfslab, stonith-enabled=true): the seed ran without fencing; the lab does not");
    say("    (the seed's DRBD master/slave, and the order/colocation tying HA to it, wait for the DRBD agent)");
    if (hasExp) {
      fe = await Frontend.up(c, c.nodes, EXPORT);
      say(`haproxy ${PROXY} (NFS 2049 + MOUNT 20048): alpha serves, delta backup, health = /usr/lib/hanfs/haproxy-check ` +
        `(NFSv4 LOOKUP ${EXPORT}), inter ${INTER_MS / 1000}s fall ${FALL} rise ${RISE}, on-marked-down shutdown-sessions; NFS client ${CLIENT} behind it`);
    } else say("(no haproxy frontend: it needs ocf:hanfs:nfsserver on nfs-ganesha and ocf:hanfs:exportfs)");

    let s = await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA started on alpha");
    say(`\n1. HA started on alpha: fs_nfs = ocf:hanfs:Filesystem, nfs = ${nfsAgent}`);
    const sum1 = await writeRandom(c.node("alpha"), "/srv/before.bin", 8192);
    say(`   wrote /srv/before.bin on alpha (8 MiB, sha256 ${sum1.slice(0, 12)}…)`);
    if (fe) {
      await fe.settle("alpha", 15_000);
      loop = new NfsLoop(fe.client, PROXY, EXPORT, join(c.run.dir, "client")).start();
      await until("client I/O through haproxy", 20_000, () => loop!.okAt.length >= 10, 100);
      say(`   client → haproxy → alpha: writing a 48 KiB file (NFSv3) and reading the previous one back (NFSv4) in a loop, ${loop.okAt.length} rounds OK`);
    }

    let t = Date.now();
    await c.exec("delta", ["crm", "node", "standby", "alpha"]);
    s = await c.waitFor((s) => groupOn(s) === "delta", 60_000, "HA started on delta");
    const failover = Date.now() - t;
    say(`2. crm node standby alpha → HA started on delta in ${secs(failover)}`);
    const seen1 = await sha256(c.node("delta"), "/srv/before.bin");
    check(seen1 === sum1, "before.bin intact on delta");
    const sum2 = await writeRandom(c.node("delta"), "/srv/after.bin", 8192);
    say(`   before.bin on delta: ${seen1 === sum1 ? "checksum OK" : "CHECKSUM MISMATCH"}; wrote /srv/after.bin on delta`);
    const viaOver = fe && loop ? await throughHaproxy(fe, loop, t, "alpha", "delta", check) : undefined;

    t = Date.now();
    await c.exec("delta", ["crm", "node", "online", "alpha"]);
    s = await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA back on alpha");
    const failback = Date.now() - t;
    const back1 = await sha256(c.node("alpha"), "/srv/before.bin");
    const back2 = await sha256(c.node("alpha"), "/srv/after.bin");
    check(back1 === sum1 && back2 === sum2, "both files intact on alpha");
    say(`3. crm node online alpha → HA back on alpha (location preference) in ${secs(failback)}; before.bin ${back1 === sum1 ? "OK" : "MISMATCH"}, after.bin ${back2 === sum2 ? "OK" : "MISMATCH"}`);
    const viaBack = fe && loop ? await throughHaproxy(fe, loop, t, "delta", "alpha", check) : undefined;
    let clientLine = "";
    if (fe && loop) {
      await loop.stop();
      const badNfs = await loop.badOverNfs();
      const badDisk = await loop.badOnDisk(c.node("alpha"), EXPORT);
      check(badNfs.length === 0 && badDisk.length === 0, "every file the client wrote through haproxy intact");
      say(`   client: ${loop.acked.size} files acknowledged, ${loop.acked.size - badNfs.length} read back intact through haproxy (NFSv4), ${loop.acked.size - badDisk.length} intact on alpha's disk`);
      clientLine = `\nclient through haproxy: stall ${viaOver ? secs(viaOver) : "?"} on failover, ${viaBack ? secs(viaBack) : "?"} on failback (grace 10 s); ` +
        `${loop.acked.size} files, ${badNfs.length + badDisk.length ? "CHECKSUMS FAILED" : "every checksum OK"}`;
    }

    check(s.failures.length === 0, "no failed operations");
    check(s.fencing.length === 0, "nobody fenced");
    check(watch.doubles.length === 0, "never mounted on both nodes");
    say(`\nreport: failover ${secs(failover)}, failback ${secs(failback)}; checksums ${bad.length ? "FAILED" : "OK"}; ` +
      `shared disk never mounted on two nodes (${watch.samples} mountinfo samples); failed operations: ${s.failures.length}; fencing: ${s.fencing.length}${clientLine}`);
  } catch (e) {
    bad.push(String((e as Error).message));
  } finally {
    watch?.stop();
    await loop?.stop().catch(() => undefined);
    await fe?.down().catch((e) => bad.push(`proxy teardown: ${(e as Error).message}`));
    await c.down();
  }
  say(`lab torn down (${secs(c.timings.downMs)}); total ${secs(Date.now() - t0)}`);
  if (bad.length) say(`FAILED: ${bad.join("; ")}`);
  return bad.length ? 1 : 0;
}

(process.argv.includes("--vm") ? import("../vmlab/demo").then((m) => m.vmDemo()) : main()).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`demo: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
