// npm run demo: a 2-node lab running the seed's configuration on hanfs's agents, the seed's
// failover test (write, standby node 1, write again, bring it back), a short report, teardown.
import { existsSync } from "node:fs";
import { Cluster, HANFS } from "./lib/cluster";
import { startedOn, type Status } from "./lib/status";
import { MountWatch } from "./lib/storage";
import { sh } from "./lib/sh";
import { sha256, writeRandom } from "./lib/workload";

const say = (s = "") => process.stdout.write(s + "\n");
const secs = (ms: number) => (ms / 1000).toFixed(2) + " s";

/** The seed's `group HA fs_nfs nfs` with the hanfs agents the binary has; a stand-in for the rest. */
function seedConfig(dev: string, agents: string) {
  const hasNfs = agents.includes("ocf:hanfs:nfsserver") && existsSync("/usr/bin/ganesha.nfsd");
  const nfs = hasNfs
    ? "primitive nfs ocf:hanfs:nfsserver params server=ganesha nfs_shared_infodir=/srv/nfs_info nfsv4_grace_time=10 nfsv4_lease_time=10 ganesha_log=/var/log/ganesha.log op monitor interval=10s timeout=20s"
    : "primitive nfs ocf:heartbeat:Dummy op monitor interval=10s";
  const text = `primitive fs_nfs ocf:hanfs:Filesystem params device=${dev} directory=/srv fstype=ext4 op monitor interval=10s timeout=40s
${nfs}
group HA fs_nfs nfs
location HA-prefers-alpha HA 100: alpha
`;
  return { text, nfsAgent: hasNfs ? "ocf:hanfs:nfsserver (server=ganesha)" : "ocf:heartbeat:Dummy (stand-in: no ocf:hanfs:nfsserver, or nfs-ganesha not installed)" };
}

const groupOn = (s: Status) => {
  const a = startedOn(s, "fs_nfs");
  return a && startedOn(s, "nfs") === a ? a : undefined;
};

async function main(): Promise<number> {
  const agents = (await sh([HANFS, "list"], { timeout: 10_000 })).stdout;
  say("hanfs demo: the seed's HA NFS cluster (alpha/delta) in namespaces on this machine");
  const t0 = Date.now();
  const c = await Cluster.up(2, { names: ["alpha", "delta"], diskMb: 128 });
  const ok: string[] = [];
  const bad: string[] = [];
  const check = (cond: boolean, what: string) => (cond ? ok : bad).push(what);
  let watch: MountWatch | undefined;
  try {
    say(`cluster up: alpha ${c.node("alpha").addr}, delta ${c.node("delta").addr}, shared disk ${c.disk!.dev}, ${secs(c.timings.bootMs)} to quorum with a DC`);
    watch = new MountWatch(c.disk!, c.nodes).start();
    await c.disk!.mkdirs(c.node("alpha"), ["nfs_info"]);
    const { text, nfsAgent } = seedConfig(c.disk!.dev, agents);
    await c.crm(text);
    say("configuration (crm):");
    text.trim().split("\n").forEach((l) => say("    " + l));
    say("    + fence-lab (stonith:fence_hanfslab, stonith-enabled=true): the seed ran without fencing; the lab does not");
    say("    (the seed's DRBD master/slave, and the order/colocation tying HA to it, wait for the DRBD agent)");

    let s = await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA started on alpha");
    say(`\n1. HA started on alpha: fs_nfs = ocf:hanfs:Filesystem, nfs = ${nfsAgent}`);
    const sum1 = await writeRandom(c.node("alpha"), "/srv/before.bin", 8192);
    say(`   wrote /srv/before.bin on alpha (8 MiB, sha256 ${sum1.slice(0, 12)}…)`);

    let t = Date.now();
    await c.exec("delta", ["crm", "node", "standby", "alpha"]);
    s = await c.waitFor((s) => groupOn(s) === "delta", 60_000, "HA started on delta");
    const failover = Date.now() - t;
    say(`2. crm node standby alpha → HA started on delta in ${secs(failover)}`);
    const seen1 = await sha256(c.node("delta"), "/srv/before.bin");
    check(seen1 === sum1, "before.bin intact on delta");
    const sum2 = await writeRandom(c.node("delta"), "/srv/after.bin", 8192);
    say(`   before.bin on delta: ${seen1 === sum1 ? "checksum OK" : "CHECKSUM MISMATCH"}; wrote /srv/after.bin on delta`);

    t = Date.now();
    await c.exec("delta", ["crm", "node", "online", "alpha"]);
    s = await c.waitFor((s) => groupOn(s) === "alpha", 60_000, "HA back on alpha");
    const failback = Date.now() - t;
    const back1 = await sha256(c.node("alpha"), "/srv/before.bin");
    const back2 = await sha256(c.node("alpha"), "/srv/after.bin");
    check(back1 === sum1 && back2 === sum2, "both files intact on alpha");
    say(`3. crm node online alpha → HA back on alpha (location preference) in ${secs(failback)}; before.bin ${back1 === sum1 ? "OK" : "MISMATCH"}, after.bin ${back2 === sum2 ? "OK" : "MISMATCH"}`);

    check(s.failures.length === 0, "no failed operations");
    check(s.fencing.length === 0, "nobody fenced");
    check(watch.doubles.length === 0, "never mounted on both nodes");
    say(`\nreport: failover ${secs(failover)}, failback ${secs(failback)}; checksums ${bad.length ? "FAILED" : "OK"}; ` +
      `shared disk never mounted on two nodes (${watch.samples} mountinfo samples); failed operations: ${s.failures.length}; fencing: ${s.fencing.length}`);
  } catch (e) {
    bad.push(String((e as Error).message));
  } finally {
    watch?.stop();
    await c.down();
  }
  say(`lab torn down (${secs(c.timings.downMs)}); total ${secs(Date.now() - t0)}`);
  if (bad.length) say(`FAILED: ${bad.join("; ")}`);
  return bad.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`demo: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
