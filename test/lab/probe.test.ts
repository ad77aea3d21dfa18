import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note, seedShape } from "./lib/config";
import { startedOn } from "./lib/status";
import { MountWatch } from "./lib/storage";
import { sha256, writeRandom } from "./lib/workload";

describe("probe: the filesystem is already mounted outside the cluster", () => {
  let c: Cluster;
  let watch: MountWatch;
  beforeAll(async () => {
    c = await Cluster.up(2, { diskMb: 64 });
  }, 60_000);
  afterAll(async () => {
    watch?.stop();
    await c?.down();
  });

  it("Pacemaker's probe finds it on node 2 and recovers it instead of mounting it twice", async () => {
    const [alpha, delta] = c.nodes;
    // an administrator mounted the device by hand on delta, behind the cluster's back
    await delta.exec(["mount", "-t", "ext4", c.disk!.dev, "/srv"], { timeout: 20_000 });
    const sum = await writeRandom(delta, "/srv/by-hand.bin", 1024);
    watch = new MountWatch(c.disk!, c.nodes).start();
    expect(watch.sample()).toEqual(["delta"]);

    // the resource prefers alpha: without the probe result Pacemaker would mount it there at once
    const t0 = Date.now();
    let probeOnDelta: number | undefined;
    await c.crm(seedShape({ device: c.disk!.dev, prefer: "alpha" }));
    const s = await c.waitFor(
      (s) => {
        const p = s.ops.find((o) => o.node === "delta" && o.rsc === "fs" && (o.task === "probe" || (o.task === "monitor" && o.interval === "0ms")));
        if (p) probeOnDelta = p.rc;
        return startedOn(s, "fs") === "alpha";
      },
      45_000,
      "fs recovered onto alpha",
    );
    note(`outside mount on delta recovered: fs started on alpha ${((Date.now() - t0) / 1000).toFixed(2)} s after loading the configuration`);
    expect(probeOnDelta, "probe (monitor 0) on delta reported running").toBe(0);
    expect(s.ops.some((o) => o.node === "delta" && o.rsc === "fs" && o.task === "stop" && o.rc === 0), "stopped on delta").toBe(true);
    expect(c.disk!.mountsOn(delta)).toEqual([]);
    expect(c.disk!.mountsOn(alpha)).toEqual(["/srv"]);
    expect(await sha256(alpha, "/srv/by-hand.bin")).toBe(sum);
    expect(s.fencing).toEqual([]);
    expect(watch.doubles).toEqual([]);
  }, 90_000);
});
