import { afterEach, beforeEach } from "vitest";
import { Scratch, installAgent } from "./fixture";
// (kept apart from fixture.ts, which the benchmark imports outside vitest)

/** A fresh Scratch with the agent installed in it for every test; released after each, even on failure. */
export function perTest(name = "Filesystem"): { s: Scratch; agent: string } {
  const t = {} as { s: Scratch; agent: string };
  beforeEach(async () => {
    t.s = new Scratch();
    t.agent = await installAgent(t.s, name);
  });
  afterEach(() => t.s.cleanup());
  return t;
}
