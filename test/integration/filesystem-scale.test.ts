import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agent, exited, mountAt, waitFor } from "./fixture";
import { perTest } from "./per-test";

const t = perTest();

describe("Filesystem stop at scale (anchor failures RA#1907, RA#2084/#1978)", () => {
  it("stopping 10 idle filesystems takes well under a second each: plain umount, no signal rounds", async () => {
    const res: Array<Record<string, string>> = [];
    for (let i = 0; i < 10; i++) res.push({ device: await t.s.loopFs("ext4", 64, `d${i}`), directory: t.s.path(`m${i}`), fstype: "ext4" });
    for (const p of res) expect((await agent(t.agent, "start", p)).code).toBe(0);
    const t0 = Date.now();
    for (const p of res) expect((await agent(t.agent, "stop", p)).code).toBe(0);
    const ms = Date.now() - t0;
    console.log(`10 idle stops: ${ms} ms`);
    for (const p of res) expect(mountAt(p.directory)).toBeUndefined();
    expect(ms).toBeLessThan(10 * 800);
  });

  it("a process with 1000 threads elsewhere does not slow the /proc scan of a busy stop", async () => {
    const p = { device: await t.s.loopFs("ext4", 64), directory: t.s.path("srv"), fstype: "ext4" };
    expect((await agent(t.agent, "start", p)).code).toBe(0);
    const threads = t.s.spawn(["python3", "-c", "import threading,time\n[threading.Thread(target=time.sleep,args=(600,),daemon=True).start() for _ in range(1000)]\nprint('ok',flush=True)\ntime.sleep(600)"], t.s.dir);
    await waitFor(() => {
      try {
        return readdirSync(`/proc/${threads.pid}/task`).length > 1000;
      } catch {
        return false;
      }
    }, 20_000);
    t.s.mkdir("srv", "w");
    const holder = t.s.spawn(["sleep", "600"], `${p.directory}/w`);
    await waitFor(() => !!holder.pid, 5000);
    const r = await agent(t.agent, "stop", p);
    console.log(`busy stop next to a 1000-thread process: ${r.ms} ms`);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5000);
    expect(exited(threads)).toBe(false);
  });
});
