import { chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { type ChildProcess } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readMounts } from "../../src/os/mountinfo";
import { PATH, agent, hungFuse, waitFor } from "./fixture";
import { perTest } from "./per-test";

/**
 * Mount points the kernel reaches through a symlink (Debian's /var/run → /run), and starts that
 * fail or die after mount(2): the cases where a path compared as written made start fail, monitor
 * say "not running" and stop leave the filesystem mounted (issue 13: the same ext4 on two nodes).
 */
const t = perTest();
const PROBE = { OCF_RESKEY_CRM_meta_interval: "0" };
const RECURRING = { OCF_RESKEY_CRM_meta_interval: "20000" };

/** Where the block device `dev` is mounted in our namespace, by device number (mountinfo). */
const mountsOf = (dev: string) => {
  const num = readFileSync(`/sys/block/${basename(dev)}/dev`, "utf8").trim();
  return readMounts()
    .filter((m) => m.dev === num)
    .map((m) => m.mountpoint);
};

/** start, start again, monitor at every depth (recurring and probe), stop, stop again: all 0, and the mounts where they belong. */
async function lifecycle(p: Record<string, string>, where: string) {
  expect((await agent(t.agent, "monitor", p, PROBE)).code).toBe(7);
  const st = await agent(t.agent, "start", p);
  expect(st.stderr).not.toMatch(/ocf-exit-reason/);
  expect(st.code).toBe(0);
  expect(mountsOf(p.device)).toEqual([where]);
  expect((await agent(t.agent, "start", p)).code).toBe(0);
  expect(mountsOf(p.device)).toEqual([where]);
  for (const depth of ["0", "10", "20"]) {
    const m = await agent(t.agent, "monitor", p, { ...RECURRING, OCF_CHECK_LEVEL: depth });
    expect(m.stderr, `depth ${depth}`).not.toMatch(/ocf-exit-reason/);
    expect(m.code, `depth ${depth}`).toBe(0);
  }
  expect((await agent(t.agent, "monitor", p, PROBE)).code).toBe(0);
  expect(readFileSync(`${where}/.Filesystem_status/fs`, "utf8")).toMatch(/^hanfs fs \d+ \d+\n/);
  expect((await agent(t.agent, "stop", p)).code).toBe(0);
  expect(mountsOf(p.device)).toEqual([]);
  expect((await agent(t.agent, "monitor", p, PROBE)).code).toBe(7);
  expect((await agent(t.agent, "stop", p)).code).toBe(0);
}

/** A `mount` in front of the real one: after mount(2) it fails (file `fail`) or hangs (file `hang`). */
function mountWrapper(): { env: Record<string, string>; dir: string } {
  const dir = t.s.mkdir("wrap");
  writeFileSync(
    `${dir}/mount`,
    `#!/bin/sh
/usr/bin/mount "$@" || exit $?
if [ -e ${dir}/fail ]; then echo "mount: filesystem was mounted, but a later step failed (simulated)" >&2; exit 32; fi
if [ -e ${dir}/hang ]; then echo $$ > ${dir}/hang.pid; exec sleep 60; fi
exit 0
`,
  );
  chmodSync(`${dir}/mount`, 0o755);
  return { env: { PATH: `${dir}:${PATH}` }, dir };
}

/** Start through the hanging wrapper and SIGKILL the agent once mount(2) is done, as Pacemaker does at the start timeout. */
async function startKilledAfterMount(p: Record<string, string>, isMounted: () => boolean) {
  const w = mountWrapper();
  writeFileSync(`${w.dir}/hang`, "");
  let child: ChildProcess | undefined;
  const run = agent(t.agent, "start", p, w.env, 60_000, (c) => (child = c));
  try {
    await waitFor(() => isMounted(), 20_000);
  } finally {
    child?.kill("SIGKILL");
    const r = await run;
    expect(r.code).toBeNull(); // killed, never answered
    const pid = Number(readFileSync(`${w.dir}/hang.pid`, "utf8"));
    if (pid > 1) process.kill(pid, "SIGKILL"); // the wrapper's sleep, orphaned by the kill
  }
}

describe("Filesystem with a mount point reached through a symlink", () => {
  it("under a symlinked parent (like /var/run → /run): mounted on the canonical path; start, monitor 0/10/20, stop all 0", async () => {
    const dev = await t.s.loopFs("ext4");
    const real = t.s.mkdir("run");
    symlinkSync(real, t.s.path("var-run"));
    await lifecycle({ device: dev, directory: `${t.s.path("var-run")}/o3mnt`, fstype: "ext4" }, `${real}/o3mnt`);
  });

  it("a symlink as the mount point itself (relative target)", async () => {
    const dev = await t.s.loopFs("ext4");
    const real = t.s.mkdir("data", "mp");
    symlinkSync("data/mp", t.s.path("mp-link"));
    await lifecycle({ device: dev, directory: t.s.path("mp-link"), fstype: "ext4" }, real);
  });

  it("directory=/srv/ works like /srv (trailing and doubled slashes, as heartbeat strips them)", async () => {
    const dev = await t.s.loopFs("ext4");
    await lifecycle({ device: dev, directory: `${t.s.path("srv")}/`, fstype: "ext4" }, t.s.path("srv"));
    await lifecycle({ device: dev, directory: `${t.s.dir}//srv//`, fstype: "ext4" }, t.s.path("srv"));
    // a stop with the other spelling finds it too
    expect((await agent(t.agent, "start", { device: dev, directory: `${t.s.path("srv")}/`, fstype: "ext4" })).code).toBe(0);
    expect((await agent(t.agent, "stop", { device: dev, directory: t.s.path("srv"), fstype: "ext4" })).code).toBe(0);
    expect(mountsOf(dev)).toEqual([]);
  });

  it("a mount point below a hung filesystem: start fails with a reason before its deadline; probe and stop answer", async () => {
    const dev = await t.s.loopFs("ext4", 64);
    const hung = t.s.mkdir("hung");
    const release = hungFuse(hung);
    try {
      const p = { device: dev, directory: `${hung}/sub/mp`, fstype: "ext4" };
      const st = await agent(t.agent, "start", p, { OCF_RESKEY_CRM_meta_timeout: "6000" });
      console.log(`start below a hung filesystem returned ${st.code} after ${st.ms} ms (timeout 6000)`);
      expect(st.code).toBe(1);
      expect(st.stderr).toMatch(/ocf-exit-reason:cannot resolve the mount point: .*no answer from the filesystem before the deadline/);
      expect(st.ms).toBeLessThan(6000);
      const probe = await agent(t.agent, "monitor", p, { ...PROBE, OCF_RESKEY_CRM_meta_timeout: "6000" });
      expect(probe.code).toBe(7); // the device is mounted nowhere: known without a lookup
      expect(probe.ms).toBeLessThan(2000);
      const sp = await agent(t.agent, "stop", p, { OCF_RESKEY_CRM_meta_timeout: "6000" });
      expect(sp.code).toBe(0); // looked for by device number: mounted nowhere
      expect(sp.ms).toBeLessThan(6000);
      expect(mountsOf(dev)).toEqual([]);
    } finally {
      release();
    }
  });
});

describe("Filesystem start that fails after mount(2)", () => {
  it("mount(8) fails after mounting: start undoes its mount and says so; stop then finds nothing", async () => {
    const dev = await t.s.loopFs("ext4", 64);
    symlinkSync(t.s.mkdir("run"), t.s.path("var-run"));
    const p = { device: dev, directory: `${t.s.path("var-run")}/mp`, fstype: "ext4" };
    const w = mountWrapper();
    writeFileSync(`${w.dir}/fail`, "");
    const r = await agent(t.agent, "start", p, w.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ocf-exit-reason:mount failed: .*exit 32.*; unmounted it again/);
    expect(mountsOf(dev)).toEqual([]);
    expect((await agent(t.agent, "monitor", p, PROBE)).code).toBe(7);
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
  });

  it("start killed after mount(2) (Pacemaker's timeout): probe does not say 'not running', stop unmounts it", async () => {
    const dev = await t.s.loopFs("ext4", 64);
    const real = t.s.mkdir("run");
    symlinkSync(real, t.s.path("var-run"));
    const p = { device: dev, directory: `${t.s.path("var-run")}/mp`, fstype: "ext4" };
    await startKilledAfterMount(p, () => mountsOf(dev).length > 0);
    expect(mountsOf(dev)).toEqual([`${real}/mp`]);
    expect((await agent(t.agent, "monitor", p, PROBE)).code).toBe(0); // where start recorded it would be
    // without start's record, and with the path leading elsewhere now: found by device number
    rmSync(`${t.s.path("rsctmp")}/hanfs-Filesystem-fs.dev`);
    rmSync(t.s.path("var-run"));
    symlinkSync(t.s.mkdir("elsewhere"), t.s.path("var-run"));
    const m = await agent(t.agent, "monitor", p, PROBE);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`ocf-exit-reason:${dev} is mounted on ${real}/mp but not on ${p.directory}`);
    const st = await agent(t.agent, "stop", p);
    expect(st.code).toBe(0);
    expect(mountsOf(dev)).toEqual([]);
  });

  it("a bind mount killed after mount(2), its path re-pointed since: stop follows start's record", async () => {
    const src = t.s.mkdir("bindsrc");
    const real = t.s.mkdir("run");
    symlinkSync(real, t.s.path("var-run"));
    const p = { device: src, directory: `${t.s.path("var-run")}/bind`, fstype: "none" };
    const bound = () => readMounts().some((m) => m.mountpoint === `${real}/bind`);
    await startKilledAfterMount(p, bound);
    rmSync(t.s.path("var-run"));
    symlinkSync(t.s.mkdir("elsewhere"), t.s.path("var-run"));
    expect((await agent(t.agent, "monitor", p, RECURRING)).code).toBe(0); // found where start recorded it
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
    expect(bound()).toBe(false);
  });
});
