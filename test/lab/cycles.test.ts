import { describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import { added, looksOurs, processesIn, snapshot } from "./lib/leftovers";

// LAB_CYCLES=10 for the full acceptance check; the normal suite runs fewer to stay fast.
const CYCLES = Number(process.env.LAB_CYCLES || 3);

describe("lab hygiene", () => {
  it(`${CYCLES} up/down cycles leave no namespace, mount, loop device, process or file behind`, async () => {
    const before = snapshot();
    const namespaces = new Set<string>();
    const rows: string[] = [];
    for (let i = 1; i <= CYCLES; i++) {
      const t0 = Date.now();
      const c = await Cluster.up(2, { diskMb: 16 });
      const upMs = Date.now() - t0;
      try {
        // give the teardown something to undo: a mount of the shared loop device inside a node
        await c.exec(1, ["mount", "-t", "ext4", c.disk!.dev, "/srv"], { timeout: 20_000 });
        expect(c.disk!.mountsOn(c.nodes[0])).toEqual(["/srv"]);
        expect((await c.exec(1, ["ls", "/dev/shm"])).stdout, "libqb IPC in the node's private /dev/shm").toMatch(/qb-/);
        // canaries: they would show up on the host if a node's /run, /dev/shm or /var/lib were not private
        for (const d of ["/run", "/dev/shm", "/var/lib/pacemaker", "/var/lib/corosync", "/var/lib/heartbeat", "/etc/corosync"])
          await c.exec(2, ["touch", `${d}/hanfs-lab-canary`]);
      } finally {
        await c.down();
      }
      c.run.namespaces.forEach((n) => namespaces.add(n));
      rows.push(`cycle ${i}: up ${upMs} ms (cluster boot ${c.timings.bootMs} ms), down ${c.timings.downMs} ms`);
    }
    rows.forEach(note);
    const extra = Object.values(added(before, snapshot())).flat();
    const ours = extra.filter(looksOurs);
    const procs = processesIn(namespaces);
    note(`after ${CYCLES} cycles: ${namespaces.size} distinct namespace ids seen; processes left in them: ${procs.length}; leftovers that look like the lab's: ${ours.length}`);
    if (extra.length > ours.length) note(`new on the host meanwhile, not the lab's (other tests?): ${extra.filter((e) => !looksOurs(e)).join(", ")}`);
    expect(ours).toEqual([]);
    expect(procs).toEqual([]);
  }, CYCLES * 40_000);
});
