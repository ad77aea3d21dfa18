import { describe, expect, it } from "vitest";
import { note } from "./lib/config";
import { startedOn, type Op } from "./lib/status";
import { seedSuite } from "./lib/suite";
import { sha256, writeRandom } from "./lib/workload";

/**
 * Issue 13: on Debian /var/run is a symlink to /run. With the mount point there, a start that looked
 * for the path as written failed after mounting, stop said 0 and left it mounted, and the cluster
 * mounted the same ext4 on the other node as well. Here it must move like any other mount point.
 */
describe("failover with the mount point behind a symlink (directory=/var/run/hanfs-srv)", () => {
  const DIR = "/var/run/hanfs-srv";
  const REAL = "/run/hanfs-srv"; // each node has its own /run (tmpfs): created by start
  const lab = seedSuite({ fs: { directory: DIR } });

  it("starts on alpha, standby moves it to delta and back: never mounted on both, nothing left behind", async () => {
    const [alpha, delta] = lab.c.nodes;
    const disk = lab.c.disk!;
    expect((await alpha.exec(["readlink", "/var/run"])).stdout.trim()).toBe("/run");
    expect(disk.mountsOn(alpha)).toEqual([REAL]);
    expect(disk.mountsOn(delta)).toEqual([]);
    const sum = await writeRandom(alpha, `${DIR}/before.bin`, 1024);

    const t0 = Date.now();
    await lab.c.standby(alpha);
    await lab.c.waitFor((s) => startedOn(s, "fs") === "delta", 45_000, "fs started on delta");
    note(`symlinked mount point: standby alpha → fs started on delta in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    expect(disk.mountsOn(alpha)).toEqual([]);
    expect(disk.mountsOn(delta)).toEqual([REAL]);
    expect(await sha256(delta, `${DIR}/before.bin`)).toBe(sum);

    await lab.c.online(alpha);
    await lab.c.standby(delta);
    const s = await lab.c.waitFor((s) => startedOn(s, "fs") === "alpha", 45_000, "fs back on alpha");
    expect(disk.mountsOn(delta)).toEqual([]);
    expect(disk.mountsOn(alpha)).toEqual([REAL]);
    expect(await sha256(alpha, `${DIR}/before.bin`)).toBe(sum);

    // every operation of fs succeeded: no failed start, no monitor saying "not running" while mounted
    expect(s.failures).toEqual([]);
    const probe = (o: Op) => o.task === "probe" || (o.task === "monitor" && o.interval === "0ms");
    const pending = (o: Op) => o.call === -1; // registered, not run yet (rc 193)
    expect(s.ops.filter((o) => o.rsc === "fs" && o.rc !== 0 && !pending(o) && !(o.rc === 7 && probe(o)))).toEqual([]);
    expect(s.fencing).toEqual([]);
    note(`mount watch: ${lab.watch.samples} samples, ${lab.watch.doubles.length} with both nodes mounted`);
    expect(lab.watch.samples).toBeGreaterThan(100);
    expect(lab.watch.doubles).toEqual([]);
  }, 120_000);
});
