import { describe, expect, it } from "vitest";
import { Cluster } from "./lib/cluster";
import { note } from "./lib/config";
import { added, labProcesses, liveRuns, looksOurs, snapshot } from "./lib/leftovers";
import type { Proc } from "./lib/run";

// LAB_CYCLES=10 for the full acceptance check; the normal suite runs fewer to stay fast.
// Namespaces: the lab pins none (no `ip netns`, no ns bind mounts), so none outlives its last
// process; "no process left" plus an unchanged /run/netns and host mount table covers them.
const CYCLES = Number(process.env.LAB_CYCLES || 3);

describe("lab hygiene", () => {
  it(`${CYCLES} up/down cycles leave no namespace, mount, loop device, process or file behind`, async () => {
    const before = snapshot();
    const procs: Proc[] = [];
    const dirs: string[] = [];
    const rows: string[] = [];
    const ids: string[] = [];
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
      procs.push(...c.run.procs);
      dirs.push(c.run.dir);
      ids.push(c.run.id);
      rows.push(`cycle ${i}: up ${upMs} ms (cluster boot ${c.timings.bootMs} ms), down ${c.timings.downMs} ms`);
    }
    rows.forEach(note);
    // other processes may be using the lab at the same time: their live runs are not our leftovers
    const others = liveRuns().filter((id) => !ids.includes(id));
    const extra = Object.values(added(before, snapshot())).flat();
    const ours = extra.filter((e) => looksOurs(e) && !others.some((id) => e.includes(id)));
    const left = labProcesses(procs, dirs);
    note(`after ${CYCLES} cycles: ${procs.length} host processes started (switches, unshare, node inits); still running or inside a node: ${left.length}; leftovers that look like the lab's: ${ours.length}`);
    if (extra.length > ours.length) note(`new on the host meanwhile, not the lab's (other tests?): ${extra.filter((e) => !ours.includes(e)).join(", ")}`);
    expect(ours).toEqual([]);
    expect(left).toEqual([]);
  }, CYCLES * 40_000);
});
