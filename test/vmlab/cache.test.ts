import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTime } from "../lab/lib/run";
import { cached } from "./lib/cache";

// The image cache's contract with a fake (fast) build: concurrent users build once, a failed or
// killed build leaves nothing a reader could take for an image, a dead builder's lock is taken over.
describe("vm image cache", () => {
  const roots: string[] = [];
  const root = () => {
    const r = mkdtempSync(join(tmpdir(), "hanfs-vmcache-"));
    roots.push(r);
    return r;
  };
  afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

  const slowBuild = (calls: string[]) => async (tmp: string) => {
    calls.push(tmp);
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(join(tmp, "rootfs.img"), "image");
  };

  it("builds once for concurrent callers, then reuses the entry", async () => {
    const r = root();
    const calls: string[] = [];
    const [a, b] = await Promise.all([cached(r, "k1", slowBuild(calls)), cached(r, "k1", slowBuild(calls))]);
    expect(calls).toHaveLength(1);
    expect([a.built, b.built].sort()).toEqual([false, true]);
    expect(readFileSync(join(a.dir, "rootfs.img"), "utf8")).toBe("image");
    const c = await cached(r, "k1", slowBuild(calls));
    expect(c.built).toBe(false);
    expect(calls).toHaveLength(1);
    expect(readdirSync(r).sort()).toEqual(["k1"]); // no lock, no temporary directory left
  });

  it("a failing build leaves no entry and the next call builds", async () => {
    const r = root();
    await expect(
      cached(r, "k2", async (tmp) => {
        writeFileSync(join(tmp, "rootfs.img"), "half");
        throw new Error("mirror unreachable");
      }),
    ).rejects.toThrow("mirror unreachable");
    expect(readdirSync(r)).toEqual([]);
    const calls: string[] = [];
    expect((await cached(r, "k2", slowBuild(calls))).built).toBe(true);
  });

  it("takes over the lock and removes the temporary directory of a builder that was killed", async () => {
    const r = root();
    // a dead process's lock and half-built entry, as a SIGKILLed build leaves them
    const dead = spawnSync("true").pid!;
    mkdirSync(join(r, "build.lock"));
    writeFileSync(join(r, "build.lock/owner"), JSON.stringify({ pid: dead, start: "1" }));
    mkdirSync(join(r, `k3.tmp-${dead}-abc`));
    const calls: string[] = [];
    const e = await cached(r, "k3", slowBuild(calls), { deadlineMs: 10_000 });
    expect(e.built).toBe(true);
    expect(readdirSync(r).sort()).toEqual(["k3"]);
  });

  it("waits for a live builder instead of building twice", async () => {
    const r = root();
    mkdirSync(join(r, "build.lock"));
    writeFileSync(join(r, "build.lock/owner"), JSON.stringify({ pid: process.pid, start: startTime(process.pid) }));
    const calls: string[] = [];
    const waiting = cached(r, "k4", slowBuild(calls), { deadlineMs: 20_000 });
    // the "other builder" finishes: its entry appears atomically, then it releases the lock
    await new Promise((res) => setTimeout(res, 1500));
    mkdirSync(join(r, "k4"));
    writeFileSync(join(r, "k4/ready"), "");
    rmSync(join(r, "build.lock"), { recursive: true });
    const e = await waiting;
    expect(e.built).toBe(false);
    expect(calls).toHaveLength(0);
    expect(existsSync(join(r, "build.lock"))).toBe(false);
  });
});
