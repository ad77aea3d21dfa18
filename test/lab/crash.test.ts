import { describe, expect, it } from "vitest";
import { note } from "./lib/config";
import { startedOn } from "./lib/status";
import { seedSuite } from "./lib/suite";
import { checkRecords, sha256, writeRandom, Writer } from "./lib/workload";

describe("crash: the active node loses power while writing", () => {
  const lab = seedSuite();

  it("the survivor fences it, mounts, and everything fsynced before the kill is there", async () => {
    const [alpha, delta] = lab.c.nodes;
    const sum = await writeRandom(alpha, "/srv/before-crash.bin", 2048);
    await alpha.exec(["touch", "/run/booted-before-crash"]);
    const w = new Writer(alpha, "/srv/records");
    const t = Date.now();
    while (w.acked < 100 && Date.now() - t < 20_000) await new Promise((r) => setTimeout(r, 20));
    expect(w.acked).toBeGreaterThanOrEqual(100);
    expect(lab.c.disk!.mountsOn(alpha)).toEqual(["/srv"]);

    const t0 = Date.now();
    await lab.c.powerOff(alpha);
    await w.gone();
    const s = await lab.c.waitFor((s) => startedOn(s, "fs") === "delta", 60_000, "fs started on delta after the crash");
    note(`crash failover (power off alpha → fs started on delta, fencing included): ${((Date.now() - t0) / 1000).toFixed(2)} s`);

    const fenced = s.fencing.filter((f) => f.target === "alpha" && f.status === "success");
    expect(fenced.length, "fence history in crm_mon XML").toBeGreaterThanOrEqual(1);
    expect(lab.c.disk!.mountsOn(delta)).toEqual(["/srv"]);
    const records = checkRecords((await delta.exec(["cat", "/srv/records"])).stdout);
    note(`writer: ${w.acked} records acknowledged (fsynced) before the kill, ${records} intact on delta`);
    expect(records).toBeGreaterThanOrEqual(w.acked);
    expect(await sha256(delta, "/srv/before-crash.bin")).toBe(sum);

    // power back on: a fresh boot (new /run) that rejoins the cluster
    const t1 = Date.now();
    await lab.c.powerOn(alpha);
    await lab.c.waitOnline(2, 30_000);
    note(`alpha powered on and back online in ${((Date.now() - t1) / 1000).toFixed(2)} s`);
    expect((await alpha.exec(["ls", "/run"])).stdout).not.toContain("booted-before-crash");
    expect(lab.watch.samples).toBeGreaterThan(100);
    expect(lab.watch.doubles).toEqual([]);
  }, 120_000);
});
