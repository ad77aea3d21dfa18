import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { alive } from "../../src/os/procs";
import { PATH, agent, exited, hungFuse, mountAt, shOut, waitFor } from "./fixture";
import { perTest } from "./per-test";

const t = perTest();

/** Start a mounted ext4 resource and return its params. */
async function mounted() {
  const p = { device: await t.s.loopFs("ext4"), directory: t.s.path("srv"), fstype: "ext4" };
  expect((await agent(t.agent, "start", p)).code).toBe(0);
  writeFileSync(`${p.directory}/data`, "payload\n");
  copyFileSync("/usr/bin/sleep", `${p.directory}/sleep`); // run from the mount: exe + mmap holders
  t.s.mkdir("srv", "work");
  return p;
}

/** 3 kinds of holder: cwd inside, an open fd, a binary mapped from the mount. */
function holders(dir: string, n: number, ignoreTerm = false) {
  const trap = ignoreTerm ? 'trap "" TERM; ' : ""; // SIG_IGN survives exec, so sleep ignores TERM too
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 === 0) return t.s.spawn(["bash", "-c", `${trap}exec sleep 600`], `${dir}/work`);
    if (i % 3 === 1) return t.s.spawn(["bash", "-c", `${trap}exec 3<${dir}/data; exec sleep 600`]);
    return t.s.spawn(["bash", "-c", `${trap}exec ${dir}/sleep 600`]);
  });
}

async function busy(dir: string, procs: ReturnType<typeof holders>) {
  // every holder is running and the mount really is busy before we call stop
  await waitFor(() => procs.every((c) => c.pid && !exited(c)) && spawnSync("umount", [dir], { timeout: 5000 }).status !== 0, 10_000);
  expect(mountAt(dir)).toBeDefined();
}

describe("Filesystem stop of a busy mount", () => {
  it("50 holders (cwd, fd, mmap) that obey TERM: stopped quickly; a user of the parent directory survives", async () => {
    const p = await mounted();
    const outside = t.s.spawn(["sleep", "600"], t.s.dir); // cwd = parent of the mount point (RA#1944)
    const procs = holders(p.directory, 51);
    await busy(p.directory, procs);
    const r = await agent(t.agent, "stop", p, { OCF_RESKEY_CRM_meta_timeout: "60000" });
    console.log(`stop with 51 TERM-obeying holders: ${r.ms} ms`);
    expect(r.code).toBe(0);
    expect(mountAt(p.directory)).toBeUndefined();
    await waitFor(() => procs.every(exited), 5000);
    expect(procs.every((c) => c.signalCode === "SIGTERM")).toBe(true);
    expect(exited(outside)).toBe(false);
    expect(r.ms).toBeLessThan(30_000);
  });

  it("50 holders that ignore TERM: escalates to KILL and finishes well inside a 20 s timeout", async () => {
    const p = await mounted();
    const procs = holders(p.directory, 51, true);
    await busy(p.directory, procs);
    const r = await agent(t.agent, "stop", p, { OCF_RESKEY_CRM_meta_timeout: "20000" });
    console.log(`stop with 51 TERM-ignoring holders: ${r.ms} ms`);
    expect(r.code).toBe(0);
    expect(mountAt(p.directory)).toBeUndefined();
    await waitFor(() => procs.every(exited), 5000);
    expect(procs.every((c) => c.signalCode === "SIGKILL")).toBe(true);
    expect(r.ms).toBeLessThan(15_000);
  });

  it("force_unmount=false kills nobody: stop fails with the holders named, before its deadline", async () => {
    const p = { ...(await mounted()), force_unmount: "false" };
    const procs = holders(p.directory, 3);
    await busy(p.directory, procs);
    const r = await agent(t.agent, "stop", p, { OCF_RESKEY_CRM_meta_timeout: "4000" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ocf-exit-reason:could not unmount .* still used by \d+\/(sleep|bash)/);
    expect(r.ms).toBeLessThan(4000);
    expect(procs.some(exited)).toBe(false);
    expect(mountAt(p.directory)).toBeDefined();
  });

  it("custom term_signals are sent in order (HUP first, then TERM)", async () => {
    const p = { ...(await mounted()), term_signals: "HUP,TERM" };
    // holders that survive HUP and write down every signal they get, in the order they get it
    const procs = [0, 1, 2].map((i) =>
      t.s.spawn(["bash", "-c", `exec 3<data; trap 'echo HUP >> ${t.s.path(`sig${i}`)}' HUP; trap 'echo TERM >> ${t.s.path(`sig${i}`)}; exit 0' TERM; while :; do sleep 0.05; done`], `${p.directory}/work`),
    );
    await busy(p.directory, procs);
    const r = await agent(t.agent, "stop", p);
    expect(r.code).toBe(0);
    await waitFor(() => procs.every(exited), 5000);
    for (const i of [0, 1, 2]) expect(readFileSync(t.s.path(`sig${i}`), "utf8")).toBe("HUP\nTERM\n");
    expect(r.stderr).not.toMatch(/sending SIGKILL|sending KILL/);
  });
});

describe("time bounds hold for what the agent's children fork", () => {
  it("fsck forks a grandchild that ignores TERM and holds a file on a mount: start returns by its deadline, no process of it is left, the mount is free", async () => {
    const bin = t.s.mkdir("bin");
    const other = t.s.mkdir("other");
    await shOut(["mount", "-t", "tmpfs", "hanfs-held", other]);
    // fsck.<type> in miniature: a grandchild that ignores TERM and keeps a file open, and a parent that never finishes
    writeFileSync(`${bin}/fsck`, `#!/bin/sh\necho $$ > ${t.s.path("fsck.pid")}\nsh -c 'trap "" TERM; echo $$ > ${t.s.path("grandchild.pid")}; exec sleep 600' 3>${other}/held &\nexec sleep 600\n`);
    chmodSync(`${bin}/fsck`, 0o755);
    const p = { device: await t.s.loopFs("ext4"), directory: t.s.path("srv"), fstype: "ext4", run_fsck: "force" };
    const r = await agent(t.agent, "start", p, { PATH: `${bin}:${PATH}`, OCF_RESKEY_CRM_meta_timeout: "4000" });
    console.log(`start with a hung fsck and a TERM-ignoring grandchild: ${r.code} after ${r.ms} ms (timeout 4000)`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ocf-exit-reason:fsck of .* did not finish before the start deadline/);
    expect(r.ms).toBeLessThan(4000);
    const pids = ["fsck.pid", "grandchild.pid"].map((f) => Number(readFileSync(t.s.path(f), "utf8")));
    expect(pids.every((x) => x > 1)).toBe(true);
    // SIGKILL went to the group before the agent answered: gone (zombies at most, until reaped) as soon as the kernel is done
    await waitFor(() => pids.every((x) => !alive(x)), 1000).catch(() => undefined);
    expect(pids.filter((x) => alive(x))).toEqual([]);
    expect(spawnSync("umount", [other], { timeout: 5000 }).status).toBe(0); // nobody holds the mount
    expect(mountAt(p.directory)).toBeUndefined();
  });
});

describe("Filesystem on a hung filesystem (FUSE that never answers)", () => {
  it("depth 0 answers at once; depth 20 and stop report failure before the deadline instead of hanging", async () => {
    const dir = t.s.mkdir("hung");
    const release = hungFuse(dir);
    try {
      const p = { device: "hung", directory: dir, fstype: "fuse" };
      const m0 = await agent(t.agent, "monitor", p, { OCF_RESKEY_CRM_meta_timeout: "3000" });
      expect(m0.code).toBe(0);
      expect(m0.ms).toBeLessThan(2000);
      const m20 = await agent(t.agent, "monitor", p, { OCF_CHECK_LEVEL: "20", OCF_RESKEY_CRM_meta_timeout: "3000" });
      console.log(`depth-20 monitor on a hung fs returned ${m20.code} after ${m20.ms} ms (timeout 3000)`);
      expect(m20.code).toBe(1);
      expect(m20.stderr).toMatch(/ocf-exit-reason:.*no answer before the monitor deadline \(I\/O hung\)/);
      expect(m20.ms).toBeLessThan(3000);
      const st = await agent(t.agent, "stop", p, { OCF_RESKEY_CRM_meta_timeout: "3000" });
      expect(st.code).toBe(1);
      expect(st.stderr).toMatch(/ocf-exit-reason:could not unmount/);
      expect(st.ms).toBeLessThan(3000);
    } finally {
      release();
      await shOut(["umount", dir]);
    }
  });
});
