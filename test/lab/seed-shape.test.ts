import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note, seedShape } from "./lib/config";
import { startedOn } from "./lib/status";
import { MountWatch } from "./lib/storage";
import { sha256, writeRandom } from "./lib/workload";

describe("seed resource shape: Filesystem in a group, preferring node 1", () => {
  let c: Cluster;
  let watch: MountWatch;
  beforeAll(async () => {
    c = await Cluster.up(2, { diskMb: 64 });
    note(`2-node cluster up in ${c.timings.bootMs} ms (corosync start → all online with a DC)`);
    watch = new MountWatch(c.disk!, c.nodes).start();
  }, 60_000);
  afterAll(async () => {
    watch?.stop();
    await c?.down();
  });

  it("starts on node 1; `crm node standby` moves it to node 2 with the data intact", async () => {
    const [alpha, delta] = c.nodes;
    await c.crm(seedShape({ device: c.disk!.dev, prefer: "alpha" }));
    await c.waitFor((s) => startedOn(s, "fs") === "alpha", 30_000, "fs started on alpha");
    expect(c.disk!.mountsOn(alpha)).toEqual(["/srv"]);
    expect(c.disk!.mountsOn(delta)).toEqual([]);
    const sum = await writeRandom(alpha, "/srv/before-standby.bin", 4096);

    const t0 = Date.now();
    await c.exec(delta, ["crm", "node", "standby", "alpha"], { timeout: 30_000 });
    const crmMs = Date.now() - t0;
    const s = await c.waitFor((s) => startedOn(s, "fs") === "delta", 30_000, "fs started on delta");
    note(`failover standby alpha → fs started on delta: ${((Date.now() - t0) / 1000).toFixed(2)} s (of which crm node standby ${crmMs} ms)`);

    expect(s.nodes.find((n) => n.name === "alpha")!.standby).toBe(true);
    expect(c.disk!.mountsOn(alpha)).toEqual([]);
    expect(c.disk!.mountsOn(delta)).toEqual(["/srv"]);
    expect(await sha256(delta, "/srv/before-standby.bin")).toBe(sum);
    expect(s.failures).toEqual([]);
    expect(s.fencing).toEqual([]);
    expect(watch.samples).toBeGreaterThan(100);
    expect(watch.doubles).toEqual([]);
  }, 90_000);
});
