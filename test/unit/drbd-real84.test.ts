import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DrbdResource } from "../../src/drbd/events2";
import { parseEvents2 } from "../../src/drbd/events2";
import { DEFAULT_TIERS, monitorResult, promotionScore } from "../../src/drbd/policy";
import { parseProcDrbd, resourceFromProc } from "../../src/drbd/proc";

// /proc/drbd and `drbdsetup events2 --now r0` read together from real DRBD 8.4.11 (Debian 12's
// kernel, drbd-utils 9.22's drbdsetup-84) by test/vmlab/drbd.test.ts. The monitor reads /proc/drbd
// (no fork) once start has recorded the minors and events2 otherwise: both must give one answer.
const DIR = join(__dirname, "fixtures/drbd-8.4.11");
const states = readdirSync(DIR)
  .filter((f) => f.endsWith(".proc"))
  .map((f) => f.slice(0, -5))
  .sort();
const read = (name: string) => ({ proc: readFileSync(join(DIR, `${name}.proc`), "utf8"), events2: readFileSync(join(DIR, `${name}.events2`), "utf8") });

/** what only events2 prints (resync-suspended) left out; /proc/drbd has no such field */
const comparable = (r: DrbdResource | undefined) => r && { ...r, peerDevices: r.peerDevices.map(({ resyncSuspended: _, ...p }) => p) };

const EXPECTED: Record<string, { monitor: number; score: number | "clear" }> = {
  "alpha-connected-inconsistent": { monitor: 190, score: "clear" },
  "alpha-connected-primary": { monitor: 8, score: 10000 },
  "alpha-connected-secondary": { monitor: 0, score: 10000 },
  "alpha-down": { monitor: 7, score: "clear" },
  "alpha-standalone": { monitor: 190, score: 1000 },
  "alpha-syncsource-primary": { monitor: 191, score: 10000 },
  "alpha-wfconnection": { monitor: 190, score: 1000 },
  "delta-connected-secondary-peer-primary": { monitor: 0, score: 10000 },
  "delta-synctarget": { monitor: 190, score: 10 },
};

describe("real DRBD 8.4.11: /proc/drbd and drbdsetup-84 events2 agree", () => {
  it("every recorded state has an expectation", () => {
    expect(states).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const name of states) {
    it(name, () => {
      const { proc, events2 } = read(name);
      const p = parseProcDrbd(proc);
      expect(p.version).toMatchObject({ major: 8, minor: 4, patch: 11 });
      const ev = parseEvents2(events2, "r0");
      expect(ev.complete).toBe(true);
      const fromEvents = ev.resources.get("r0");
      const fromProc = resourceFromProc(p, "r0", [0]);
      expect(comparable(fromProc)).toEqual(comparable(fromEvents));
      const mon = monitorResult(fromEvents);
      expect(monitorResult(fromProc)).toEqual(mon);
      expect(mon.code).toBe(EXPECTED[name].monitor);
      const score = promotionScore(fromEvents, { tiers: DEFAULT_TIERS });
      expect(promotionScore(fromProc, { tiers: DEFAULT_TIERS })).toEqual(score);
      expect(score.kind === "set" ? score.score : score.kind).toBe(EXPECTED[name].score);
    });
  }
});
