/**
 * Regenerates test/unit/fixtures/cib/*.xml: real `cibadmin -Q` and `crm_mon --output-as=xml` of
 * Pacemaker 2.1.5 in the states the DRBD fence handler distinguishes (root; about 2 minutes):
 *   npx tsx test/lab/capture-cib.ts
 * A promotable ocf:pacemaker:Stateful clone carries drbd_resource=r0 (no DRBD needed here).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fenceConstraintXml } from "../../src/cib/constraints";
import { cibNodes } from "../../src/cib/nodes";
import { parseXml } from "../../src/xml";
import { Cluster } from "./lib/cluster";
import type { Node } from "./lib/node";
import { reapStale } from "./lib/run";
import { until } from "../lib/sh";
import { CLONE } from "./lib/stateful-clone";

const OUT = join(__dirname, "../unit/fixtures/cib");

async function save(name: string, n: Node) {
  const cib = await n.exec(["cibadmin", "-Q"], { timeout: 10_000 });
  const mon = await n.exec(["crm_mon", "-1", "--output-as=xml", "--include=bans"], { timeout: 10_000 });
  writeFileSync(join(OUT, `${name}.cib.xml`), cib.stdout);
  writeFileSync(join(OUT, `${name}.mon.xml`), mon.stdout);
  console.log(`saved ${name}`);
}

/** Poll n's CIB until the node `who` is in the given condition per its node_state. */
async function waitNodeState(n: Node, who: string, pred: (a: Record<string, string>) => boolean, what: string) {
  await until(what, 60_000, async () => {
    const x = parseXml((await n.exec(["cibadmin", "-Q"], { timeout: 10_000, check: false })).stdout || "<cib/>");
    const id = cibNodes(x).get(who)?.id;
    const st = id ? findState(x, id) : undefined;
    return st && pred(st) ? true : undefined;
  }, 100);
}

function findState(x: ReturnType<typeof parseXml>, id: string) {
  const walk = (e: ReturnType<typeof parseXml>): Record<string, string> | undefined => {
    if (e.name === "node_state" && e.attrs.id === id) return e.attrs;
    for (const c of e.children) {
      const f = walk(c);
      if (f) return f;
    }
    return undefined;
  };
  return walk(x);
}

async function twoNodes() {
  const c = await Cluster.up(2);
  try {
    await c.exec(1, ["cibadmin", "--create", "-o", "resources", "-X", CLONE], { timeout: 20_000 });
    const s = await c.waitFor((s) => s.resources.some((r) => r.id === "p_drbd_r0" && r.role === "Promoted") && s.resources.filter((r) => r.id === "p_drbd_r0" && r.role === "Unpromoted").length === 1, 60_000, "promoted + unpromoted");
    const pName = s.resources.find((r) => r.id === "p_drbd_r0" && r.role === "Promoted")!.nodes[0];
    const P = c.node(pName);
    const U = c.nodes.find((x) => x !== P)!;
    await save("online", P);

    await P.exec(["cibadmin", "--create", "-o", "constraints", "-X", fenceConstraintXml({ res: "r0", clone: "ms_drbd_r0", keep: [P.name] })], { timeout: 20_000 });
    await until("the ban in crm_mon", 30_000, async () => (await P.exec(["crm_mon", "-1", "--output-as=xml", "--include=bans"], { timeout: 10_000 })).stdout.includes("drbd-fence-by-handler-r0-rule-ms_drbd_r0") || undefined, 200);
    await save("constraint", P);

    // delay fencing so that the lost-but-not-yet-fenced state lasts long enough to be read
    await P.exec(["crm_resource", "-r", "fence-lab", "-p", "pcmk_delay_base", "-v", "10s"], { timeout: 20_000 });
    await c.powerOff(U);
    await waitNodeState(P, U.name, (a) => a.in_ccm === "false" || a.in_ccm === "0", "peer lost");
    await save("peer-unclean", P);
    await waitNodeState(P, U.name, (a) => a.expected === "down" && a.join === "down", "peer fenced");
    await c.waitFor((s) => s.fencing.some((f) => f.target === U.name && f.status === "success"), 60_000, "fence event");
    await save("peer-fenced", P);

    await c.powerOn(U);
    await c.waitOnline(2, 60_000);
    await U.exec(["pacemakerd", "--shutdown"], { timeout: 60_000, check: false });
    await waitNodeState(P, U.name, (a) => a.expected === "down" && a.crmd !== "online" && a.in_ccm !== "false", "pacemaker stopped on the peer");
    await save("peer-pacemaker-stopped", P);
    await U.exec(["sh", "-c", "kill -TERM $(pidof corosync)"], { timeout: 10_000 });
    await waitNodeState(P, U.name, (a) => a.in_ccm === "false" || a.in_ccm === "0", "peer left the membership");
    await save("peer-clean-down", P);
  } finally {
    await c.down();
  }
}

async function threeNodes() {
  const c = await Cluster.up(3, { stonith: false });
  try {
    const g = c.node(3);
    await c.cutLink(g);
    await until("quorum lost on the cut node", 60_000, async () => (await g.exec(["cibadmin", "-Q"], { timeout: 10_000, check: false })).stdout.includes('have-quorum="0"') || undefined, 200);
    await save("no-quorum", g);
  } finally {
    await c.down();
  }
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  reapStale();
  await twoNodes();
  await threeNodes();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
