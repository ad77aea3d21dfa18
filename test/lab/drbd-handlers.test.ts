import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cibNodes } from "../../src/cib/nodes";
import { all, parseXml } from "../../src/xml";
import { procDrbd84, type Shape } from "../unit/drbd-fixtures";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import type { Node } from "./lib/node";
import { until } from "../lib/sh";
import { CLONE } from "./lib/stateful-clone";

/**
 * /usr/lib/hanfs/drbd-fence-peer and drbd-unfence-peer, installed by `hanfs install` in the nodes of a
 * real Pacemaker 2.1.5 cluster, run as DRBD 8.4 runs them (DRBD_RESOURCE, DRBD_MINOR, DRBD_PEER) with
 * the kernel's /proc/drbd replaced by a file (HANFS_PROC_DRBD, tests only: no DRBD module here).
 *
 * The CIB is real: a promotable ocf:pacemaker:Stateful clone carries drbd_resource=r0, so the handler
 * finds it the way it finds an ocf:hanfs:drbd clone, and Pacemaker really promotes and demotes it (an
 * ocf:hanfs:drbd primitive that never starts would give no Promoted instance, no role to ban).
 */
const PLACEMENT = `<constraints>
  <rsc_location id="r0-promoted-on-alpha" rsc="ms_drbd_r0"><rule id="r0-promoted-on-alpha-rule" role="Promoted" score="100"><expression id="r0-promoted-on-alpha-expr" attribute="#uname" operation="eq" value="alpha"/></rule></rsc_location>
  <rsc_location id="r0-not-on-gamma" rsc="ms_drbd_r0" node="gamma" score="-INFINITY"/>
</constraints>`;

/** cibadmin, not crmsh: crmsh (rightly) refuses a parameter Stateful does not declare. */
async function configure(c: Cluster) {
  await c.exec(1, ["cibadmin", "--create", "--scope", "resources", "--xml-text", CLONE], { timeout: 30_000 });
  await c.exec(1, ["cibadmin", "--replace", "--scope", "constraints", "--xml-text", PLACEMENT], { timeout: 30_000 });
}
const ID = "drbd-fence-by-handler-r0-ms_drbd_r0";

/** What DRBD 8.4 would show in /proc/drbd on that node. */
function proc(n: Node, s: Shape) {
  writeFileSync(join(n.dir, "home", "proc_drbd"), procDrbd84(s));
}

interface Run {
  code: number | null;
  out: string;
  ms: number;
}

/** The handler as drbdadm-84 runs it: DRBD's variables, the lab's /proc/drbd stand-in, logs on stderr. */
async function handler(n: Node, mode: "fence" | "unfence", peer: string, args: string[] = []): Promise<Run> {
  const t0 = Date.now();
  const r = await n.exec(["env", "DRBD_RESOURCE=r0", "DRBD_MINOR=0", `DRBD_PEER=${peer}`, "DRBD_CONF=/etc/drbd.conf", "HANFS_PROC_DRBD=/root/proc_drbd", "HA_LOGFACILITY=none", `/usr/lib/hanfs/drbd-${mode}-peer`, ...args], { check: false, timeout: 150_000 });
  const out = r.stdout + r.stderr;
  note(`${n.name}: drbd-${mode}-peer ${args.join(" ")} → ${r.code} in ${Date.now() - t0} ms`);
  return { code: r.code, out, ms: Date.now() - t0 };
}

/** The bans crm_mon computes from the constraints (XML), by node. */
async function bans(n: Node) {
  const x = parseXml((await n.exec(["crm_mon", "--one-shot", "--output-as=xml", "--include=bans"], { timeout: 20_000 })).stdout);
  return all(x, "ban").map((b) => ({ id: b.attrs.id, resource: b.attrs.resource, node: b.attrs.node, promotedOnly: b.attrs["promoted-only"] }));
}

async function cib(n: Node) {
  return parseXml((await n.exec(["cibadmin", "--query"], { timeout: 20_000 })).stdout);
}
const epoch = async (n: Node) => {
  const c = (await cib(n)).children.find((e) => e.name === "cib")!;
  return `${c.attrs.admin_epoch}.${c.attrs.epoch}`;
};
const constraintIn = async (n: Node) => all(await cib(n), "rsc_location").some((l) => l.attrs.id === ID);

describe("DRBD fence handlers on a live 2-node cluster (alpha Promoted, delta Unpromoted)", () => {
  let c: Cluster;
  let alpha: Node;
  let delta: Node;
  beforeAll(async () => {
    c = await Cluster.up(2, { names: ["alpha", "delta"] });
    [alpha, delta] = c.nodes;
    await configure(c);
    await c.waitFor((s) => s.resources.some((r) => r.id === "p_drbd_r0" && r.role === "Promoted" && r.nodes[0] === "alpha") && s.resources.some((r) => r.id === "p_drbd_r0" && r.role === "Unpromoted" && r.nodes[0] === "delta"), 60_000, "Promoted on alpha, Unpromoted on delta");
  }, 120_000);
  afterAll(async () => {
    await c?.down();
  });

  it("the Secondary that loses its link to a reachable Promoted peer outdates itself: 6, nothing placed", async () => {
    proc(delta, { role: "Secondary", disk: "UpToDate", conn: "WFConnection" });
    const r = await handler(delta, "fence", "alpha");
    expect(r.code, r.out).toBe(6);
    expect(await constraintIn(alpha)).toBe(false);
  });

  it("the Primary that loses its link to a reachable peer bans the Promoted role there: 4, a ban on delta only", async () => {
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "WFConnection" });
    const r = await handler(alpha, "fence", "delta");
    expect(r.code, r.out).toBe(4);
    expect(r.ms).toBeLessThan(90_000);
    const b = await bans(alpha);
    expect(b).toEqual([{ id: `${ID.replace("-ms_drbd_r0", "")}-rule-ms_drbd_r0`, resource: "ms_drbd_r0", node: "delta", promotedOnly: "true" }]);
    const s = await c.status();
    expect(s.resources.find((x) => x.id === "p_drbd_r0" && x.role === "Promoted")?.nodes).toEqual(["alpha"]);
  });

  it("again, and twice at once: 4 each, the CIB not written again", async () => {
    const e = await epoch(alpha);
    expect((await handler(alpha, "fence", "delta")).code).toBe(4);
    const [a, b] = await Promise.all([handler(alpha, "fence", "delta"), handler(alpha, "fence", "delta")]);
    expect([a.code, b.code]).toEqual([4, 4]);
    expect(await epoch(alpha)).toBe(e);
  });

  it("the banned Secondary's own fence-peer: 6 (it was fenced first)", async () => {
    const r = await handler(delta, "fence", "alpha");
    expect(r.code, r.out).toBe(6);
    expect(r.out).toMatch(/bans this node/);
  });

  it("unfence while the resync runs leaves the ban; after it, on the sync target, the ban goes", async () => {
    proc(delta, { role: "Secondary", disk: "Inconsistent", conn: "SyncTarget", peerDisk: "UpToDate" });
    let r = await handler(delta, "unfence", "alpha");
    expect(r.code, r.out).toBe(0);
    expect(await constraintIn(alpha)).toBe(true);
    proc(delta, { role: "Secondary", disk: "UpToDate", conn: "Connected" });
    r = await handler(delta, "unfence", "alpha");
    expect(r.code, r.out).toBe(0);
    expect(await constraintIn(alpha)).toBe(false);
    expect(await bans(alpha)).toEqual([]);
    r = await handler(delta, "unfence", "alpha");
    expect(r.code).toBe(0);
  });

  it("the link came back before the handler looked (peer UpToDate): 1, nothing placed", async () => {
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "Connected" });
    const r = await handler(alpha, "fence", "delta");
    expect(r.code, r.out).toBe(1);
    expect(await constraintIn(alpha)).toBe(false);
  });

  it("peer shut down cleanly: 7", async () => {
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "WFConnection" });
    // Pacemaker first (its shutdown ends when pacemakerd exits), then corosync: a clean leave, no fencing
    await delta.exec(["pacemakerd", "--shutdown"], { timeout: 60_000, check: false });
    await until("pacemakerd gone on delta", 90_000, async () => (await delta.exec(["pidof", "pacemakerd"], { check: false })).code !== 0, 200);
    await delta.exec(["sh", "-c", "kill -TERM $(pidof corosync)"], { timeout: 10_000, check: false });
    await until("delta down cleanly in alpha's CIB", 60_000, async () => cibNodes(await cib(alpha)).get("delta")?.condition === "clean-down", 200);
    const r = await handler(alpha, "fence", "delta");
    expect(r.code, r.out).toBe(7);
    expect((await c.status(alpha)).fencing, "delta left cleanly, nobody fenced it").toEqual([]);
    expect(await constraintIn(alpha)).toBe(true);
    // lift it again for the next case, as DRBD would after the resync
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "Connected" });
    expect((await handler(alpha, "unfence", "delta")).code).toBe(0);
    expect(await constraintIn(alpha)).toBe(false);
    await delta.startCluster();
    await c.waitOnline(2, 60_000);
  }, 180_000);

  it("peer lost and not yet fenced: waits for the fencing, then 7; with a --timeout shorter than the fencing: 5", async () => {
    // fencing takes 15 s more than usual, so the lost-but-not-fenced state is long enough to see
    await alpha.exec(["crm_resource", "--resource", "fence-lab", "--set-parameter", "pcmk_delay_base", "--parameter-value", "15s"], { timeout: 20_000 });
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "WFConnection" });
    const t0 = Date.now();
    await c.powerOff(delta);
    await until("delta unclean in alpha's CIB", 30_000, async () => cibNodes(await cib(alpha)).get("delta")?.condition === "unclean", 200);
    const short = await handler(alpha, "fence", "delta", ["--timeout", "5"]);
    expect(short.code, short.out).toBe(5);
    expect(short.ms).toBeLessThan(5000 + 3000); // its timeout, plus starting the binary in the node
    expect(await constraintIn(alpha)).toBe(true);
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "Connected" });
    expect((await handler(alpha, "unfence", "delta")).code).toBe(0);
    proc(alpha, { role: "Primary", disk: "UpToDate", conn: "WFConnection" });
    const long = await handler(alpha, "fence", "delta", ["--timeout", "90"]);
    note(`delta powered off → fenced and the handler's 7 after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(long.code, long.out).toBe(7);
    expect(long.out).toMatch(/waiting: peer delta is unclean/);
    const s = await c.status(alpha);
    expect(s.fencing.some((f) => f.target === "delta" && f.status === "success")).toBe(true);
    expect(await constraintIn(alpha)).toBe(true);
    await alpha.exec(["crm_resource", "--resource", "fence-lab", "--delete-parameter", "pcmk_delay_base"], { timeout: 20_000 });
  }, 180_000);
});

describe("DRBD fence handler in a partition without quorum (3 nodes, delta cut off)", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await Cluster.up(3, { names: ["alpha", "delta", "gamma"], stonith: false });
    await configure(c);
    await c.waitFor((s) => s.resources.filter((r) => r.id === "p_drbd_r0" && r.active).length === 2, 60_000, "both instances up");
  }, 120_000);
  afterAll(async () => {
    await c?.down();
  });

  it("no quorum: 1 and no constraint, neither in the partition nor after it rejoins", async () => {
    const delta = c.node("delta");
    proc(delta, { role: "Primary", disk: "UpToDate", conn: "WFConnection" });
    await c.cutLink(delta);
    await until("delta without quorum", 60_000, async () => (await cib(delta)).children.find((e) => e.name === "cib")?.attrs["have-quorum"] === "0", 200);
    const r = await handler(delta, "fence", "alpha", ["--timeout", "30"]);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/no quorum/);
    expect(await constraintIn(delta)).toBe(false);
    await c.healLink(delta);
    await c.waitOnline(3, 60_000);
    expect(await constraintIn(c.node("alpha"))).toBe(false);
  }, 180_000);
});
