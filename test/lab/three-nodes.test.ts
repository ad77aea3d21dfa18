import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import { onlineNodes, startedOn } from "./lib/status";

describe("3-node cluster: daemon crashes are fenced like power failures", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await Cluster.up(3);
    note(`3-node cluster up in ${c.timings.bootMs} ms`);
  }, 60_000);
  afterAll(async () => {
    await c?.down();
  });

  const fencedAfter = (target: string, since: number) =>
    c.waitFor(
      (s) => s.fencing.some((f) => f.target === target && f.status === "success" && Date.parse(f.completed.replace(" ", "T")) >= since - 1000) && !onlineNodes(s).includes(target),
      45_000,
      `${target} fenced`,
    );

  it("loads CIB XML and runs a resource on the 3-node cluster", async () => {
    await c.crm(`<resources><primitive id="dummy" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="dummy-mon" name="monitor" interval="10s"/></operations></primitive></resources>`);
    const s = await c.waitFor((s) => !!startedOn(s, "dummy"), 20_000, "dummy started");
    expect(s.quorum).toBe(true);
    expect(onlineNodes(s).sort()).toEqual(["alpha", "delta", "gamma"]);
  }, 30_000);

  it("corosync killed on a node: the quorate pair fences it; powerOn brings it back", async () => {
    const gamma = c.node("gamma");
    const t0 = Date.now();
    await c.kill(gamma, "corosync");
    await fencedAfter("gamma", t0);
    note(`corosync killed on gamma → fenced in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    await gamma.waitOff(5000);
    const t1 = Date.now();
    await c.powerOn(gamma);
    const s = await c.waitOnline(3, 30_000);
    note(`gamma powered on, 3 online again in ${((Date.now() - t1) / 1000).toFixed(2)} s`);
    expect(s.quorum).toBe(true);
  }, 90_000);

  it("Pacemaker killed on a node: it is fenced too", async () => {
    const delta = c.node("delta");
    const t0 = Date.now();
    await c.kill(delta, "pacemaker");
    await fencedAfter("delta", t0);
    note(`pacemaker killed on delta → fenced in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    await delta.waitOff(5000);
    await c.powerOn(delta);
    await c.waitOnline(3, 30_000);
  }, 90_000);
});
