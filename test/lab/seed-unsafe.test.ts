import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note, seedShape } from "./lib/config";
import { startedOn } from "./lib/status";
import { MountWatch } from "./lib/storage";

// The one scenario without fencing: it shows what the seed's stonith-enabled=false does.
describe("the seed's stonith-enabled=false", () => {
  let c: Cluster;
  let watch: MountWatch;
  beforeAll(async () => {
    c = await Cluster.up(2, { diskMb: 64, stonith: false });
    await c.crm(`property no-quorum-policy=ignore\n` + seedShape({ device: c.disk!.dev, prefer: "alpha" }));
    await c.waitFor((s) => startedOn(s, "fs") === "alpha", 30_000, "fs started on alpha");
    watch = new MountWatch(c.disk!, c.nodes).start();
  }, 90_000);
  afterAll(async () => {
    watch?.stop();
    await c?.down();
  });

  it("a cut link makes both nodes mount the device; healing it ends with one mount", async () => {
    const [alpha, delta] = c.nodes;
    const t0 = Date.now();
    await c.cutLink(alpha);
    // delta no longer hears alpha and, without fencing, takes the resource while alpha keeps it
    await c.waitFor((s) => startedOn(s, "fs") === "delta", 30_000, "delta to start fs", delta);
    const doubleAfter = (Date.now() - t0) / 1000;
    expect(c.disk!.mountsOn(alpha)).toEqual(["/srv"]);
    expect(c.disk!.mountsOn(delta)).toEqual(["/srv"]);
    expect(watch.doubles.length, "the watcher saw the double mount").toBeGreaterThan(0);
    note(`unsafe seed: link cut → device mounted on both nodes after ${doubleAfter.toFixed(2)} s (${watch.doubles.length} double samples)`);

    await c.healLink(alpha);
    const s = await c.waitFor(
      (s) => s.nodes.every((n) => n.online) && !!startedOn(s, "fs") && c.disk!.mountsOn(alpha).length + c.disk!.mountsOn(delta).length === 1,
      60_000,
      "one mount after the partition heals",
    );
    note(`link healed: cluster merged and fs runs on ${startedOn(s, "fs")} only, ${((Date.now() - t0) / 1000).toFixed(2)} s after the cut`);
    expect(s.fencing).toEqual([]);
  }, 120_000);
});
