import { describe, expect, it } from "vitest";
import { note } from "./lib/config";
import { startedOn } from "./lib/status";
import { seedSuite } from "./lib/suite";
import { holdFromOutside, sha256, startHolder, writeRandom } from "./lib/workload";

const STOP_TIMEOUT_S = 10;

describe("stop failure: processes that keep /srv busy", () => {
  // stickiness keeps fs where it is once moved: each test picks the node it makes busy
  const lab = seedSuite({ fs: { stopTimeout: `${STOP_TIMEOUT_S}s` }, crm: "rsc_defaults resource-stickiness=200\n" });

  it("a holder that ignores SIGTERM: the agent escalates to SIGKILL and stop succeeds in time", async () => {
    const [alpha, delta] = lab.c.nodes;
    const sum = await writeRandom(alpha, "/srv/data.bin", 1024);
    await startHolder(alpha, "/srv");
    const holder = (await alpha.exec(["pgrep", "-f", "-x", "perl -e .*"], { check: false })).stdout.trim();
    expect(holder, "holder running").not.toBe("");

    const t0 = Date.now();
    await lab.c.standby(alpha);
    const s = await lab.c.waitFor((s) => startedOn(s, "fs") === "delta", 45_000, "fs started on delta");
    note(`standby alpha with a TERM-ignoring holder → fs started on delta: ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    const stop = s.ops.filter((o) => o.node === "alpha" && o.rsc === "fs" && o.task === "stop").pop();
    expect(stop?.rc, "stop result on alpha").toBe(0);
    note(`stop on alpha took ${stop?.execMs} ms (timeout ${STOP_TIMEOUT_S} s)`);
    expect(stop!.execMs!).toBeLessThan(STOP_TIMEOUT_S * 1000);
    expect(s.failures).toEqual([]);
    expect(s.fencing).toEqual([]);
    expect((await alpha.exec(["pgrep", "-f", "-x", "perl -e .*"], { check: false })).stdout.trim(), "holder killed").toBe("");
    expect(await sha256(delta, "/srv/data.bin")).toBe(sum);
    await lab.c.online(alpha);
    await lab.c.waitFor((s) => s.nodes.every((n) => n.online && !n.standby) && startedOn(s, "fs") === "delta", 20_000, "alpha online again");
  }, 90_000);

  it("a holder the agent cannot see or kill (outside the node): stop fails, the node is fenced, fs recovers elsewhere", async () => {
    const [alpha, delta] = lab.c.nodes;
    expect(lab.c.disk!.mountsOn(delta)).toEqual(["/srv"]);
    const sum = await writeRandom(delta, "/srv/data2.bin", 1024);
    const release = holdFromOutside(delta, "/srv/data2.bin");
    try {
      const t0 = Date.now();
      await lab.c.standby(delta);
      // the failed stop is visible in crm_mon until the fencing completes (it wipes delta's history)
      let sawStopFail = false;
      const s = await lab.c.waitFor(
        (s) => {
          sawStopFail ||= s.failures.some((f) => f.node === "delta" && f.op === "fs_stop_0");
          return startedOn(s, "fs") === "alpha" && s.fencing.some((f) => f.target === "delta" && f.status === "success");
        },
        STOP_TIMEOUT_S * 1000 + 45_000,
        "delta fenced and fs started on alpha",
      );
      note(`standby delta with a holder outside its view → stop failed, delta fenced, fs on alpha: ${((Date.now() - t0) / 1000).toFixed(2)} s`);
      const execd = delta.log("pacemaker").match(/fs stop \(call \d+, PID \d+\) exited with status (\d+)/);
      note(`stop failure seen in crm_mon: ${sawStopFail}; delta's execd log: stop exited with status ${execd?.[1]}`);
      expect(sawStopFail || execd?.[1] === "1", "the stop failed (crm_mon failures or delta's execd log)").toBe(true);
      expect(delta.isOn(), "delta powered off by the fence agent").toBe(false);
      expect(lab.c.disk!.mountsOn(alpha)).toEqual(["/srv"]);
      expect(await sha256(alpha, "/srv/data2.bin")).toBe(sum);
      expect(lab.watch.doubles).toEqual([]);
    } finally {
      release();
    }
  }, 120_000);
});
