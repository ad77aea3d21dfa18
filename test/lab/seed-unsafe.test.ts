import { describe, expect, it } from "vitest";
import { note } from "./lib/config";
import { startedOn } from "./lib/status";
import { seedSuite } from "./lib/suite";

// The one scenario without fencing: it shows what the seed's stonith-enabled=false does.
describe("the seed's stonith-enabled=false", () => {
  const lab = seedSuite({ up: { stonith: false }, crm: "property no-quorum-policy=ignore\n" });

  it("a cut link makes both nodes mount the device; healing it ends with one mount", async () => {
    const [alpha, delta] = lab.c.nodes;
    const t0 = Date.now();
    await lab.c.cutLink(alpha);
    // delta no longer hears alpha and, without fencing, takes the resource while alpha keeps it
    await lab.c.waitFor((s) => startedOn(s, "fs") === "delta", 30_000, "delta to start fs", delta);
    const doubleAfter = (Date.now() - t0) / 1000;
    expect(lab.c.disk!.mountsOn(alpha)).toEqual(["/srv"]);
    expect(lab.c.disk!.mountsOn(delta)).toEqual(["/srv"]);
    expect(lab.watch.doubles.length, "the watcher saw the double mount").toBeGreaterThan(0);
    note(`unsafe seed: link cut → device mounted on both nodes after ${doubleAfter.toFixed(2)} s (${lab.watch.doubles.length} double samples)`);

    await lab.c.healLink(alpha);
    const s = await lab.c.waitFor(
      (s) => s.nodes.every((n) => n.online) && !!startedOn(s, "fs") && lab.c.disk!.mountsOn(alpha).length + lab.c.disk!.mountsOn(delta).length === 1,
      60_000,
      "one mount after the partition heals",
    );
    note(`link healed: cluster merged and fs runs on ${startedOn(s, "fs")} only, ${((Date.now() - t0) / 1000).toFixed(2)} s after the cut`);
    expect(s.fencing).toEqual([]);
  }, 120_000);
});
