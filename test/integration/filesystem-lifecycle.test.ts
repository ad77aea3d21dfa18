import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agent, mountAt, shOut } from "./fixture";
import { perTest } from "./per-test";

const t = perTest();

describe.each(["ext4", "xfs"] as const)("Filesystem on %s", (fstype) => {
  it("start, monitor at depths 0/10/20, stop; data survives a remount; every action idempotent", async () => {
    const dev = await t.s.loopFs(fstype);
    const dir = t.s.path("srv");
    const p = { device: dev, directory: dir, fstype };
    expect((await agent(t.agent, "monitor", p, { OCF_RESKEY_CRM_meta_interval: "0" })).code).toBe(7);
    const st = await agent(t.agent, "start", p);
    expect(st.stderr).not.toMatch(/ERROR|ocf-exit-reason/);
    expect(st.code).toBe(0);
    expect(mountAt(dir)).toMatchObject({ source: dev, fstype });
    expect((await agent(t.agent, "start", p)).code).toBe(0); // idempotent
    for (const depth of ["0", "10", "20"]) {
      const m = await agent(t.agent, "monitor", p, { OCF_CHECK_LEVEL: depth, OCF_RESKEY_CRM_meta_interval: "20000" });
      expect(m.stderr, `depth ${depth}`).not.toMatch(/ERROR|ocf-exit-reason/);
      expect(m.code, `depth ${depth}`).toBe(0);
    }
    expect(readFileSync(`${dir}/.Filesystem_status/fs`, "utf8")).toMatch(/^hanfs fs \d+ \d+\n/);
    writeFileSync(`${dir}/payload`, "hello from hanfs\n");
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
    expect(mountAt(dir)).toBeUndefined();
    expect((await agent(t.agent, "stop", p)).code).toBe(0); // idempotent
    expect((await agent(t.agent, "monitor", p)).code).toBe(7);
    expect((await agent(t.agent, "start", p)).code).toBe(0);
    expect(readFileSync(`${dir}/payload`, "utf8")).toBe("hello from hanfs\n");
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
  });
});

describe("Filesystem edge cases", () => {
  it("UUID= and -L devices mount and monitor without udev links", async () => {
    const dev = await t.s.loopFs("ext4");
    // loop devices are machine-wide: a fixed label could name another test run's disk
    const label = `hanfs${process.pid}`.slice(0, 16);
    await shOut(["e2label", dev, label]);
    const uuid = (await shOut(["blkid", "-o", "value", "-s", "UUID", dev])).trim();
    for (const device of [`UUID=${uuid}`, `-L ${label}`]) {
      const p = { device, directory: t.s.path("tag"), fstype: "ext4" };
      expect((await agent(t.agent, "start", p)).code, device).toBe(0);
      expect(mountAt(p.directory)?.source).toBe(dev);
      expect((await agent(t.agent, "monitor", p, { OCF_CHECK_LEVEL: "10" })).code, device).toBe(0);
      expect((await agent(t.agent, "stop", p)).code, device).toBe(0);
      expect(mountAt(p.directory)).toBeUndefined();
    }
  });

  it("another device on the mount point: probe says 7, a recurring monitor 1, start refuses, stop leaves it alone", async () => {
    const mine = await t.s.loopFs("ext4", 300, "mine");
    const other = await t.s.loopFs("ext4", 300, "other");
    const dir = t.s.mkdir("mp");
    await shOut(["mount", other, dir]);
    const p = { device: mine, directory: dir, fstype: "ext4" };
    expect((await agent(t.agent, "monitor", p, { OCF_RESKEY_CRM_meta_interval: "0" })).code).toBe(7);
    const m = await agent(t.agent, "monitor", p, { OCF_RESKEY_CRM_meta_interval: "20000" });
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`ocf-exit-reason:${dir} has ${other} (ext4) mounted`);
    expect((await agent(t.agent, "start", p)).code).toBe(1);
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
    expect(mountAt(dir)?.source).toBe(other);
  });

  it("start refuses when something is mounted below the mount point", async () => {
    const dev = await t.s.loopFs("ext4");
    const dir = t.s.mkdir("mp");
    t.s.mkdir("mp", "inner");
    await shOut(["mount", "-t", "tmpfs", "hanfs-inner", t.s.path("mp", "inner")]);
    const r = await agent(t.agent, "start", { device: dev, directory: dir, fstype: "ext4" });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/ocf-exit-reason:something is already mounted below/);
    expect(mountAt(dir)).toBeUndefined();
  });

  it("stop removes nested sub-mounts and other mounts of the same device (the /var/lib/nfs bind), deepest first", async () => {
    const dev = await t.s.loopFs("ext4");
    const dir = t.s.path("srv");
    const p = { device: dev, directory: dir, fstype: "ext4" };
    expect((await agent(t.agent, "start", p)).code).toBe(0);
    t.s.mkdir("srv", "a", "b");
    t.s.mkdir("srv", "nfs_shared");
    await shOut(["mount", "-t", "tmpfs", "hanfs-a", `${dir}/a`]);
    t.s.mkdir("srv", "a", "deeper");
    await shOut(["mount", "-t", "tmpfs", "hanfs-deeper", `${dir}/a/deeper`]);
    const varlib = t.s.mkdir("varlibnfs");
    await shOut(["mount", "--bind", `${dir}/nfs_shared`, varlib]);
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
    for (const d of [dir, `${dir}/a`, `${dir}/a/deeper`, varlib]) expect(mountAt(d), d).toBeUndefined();
  });

  it("bind mounts (fstype none) start, monitor and stop; a bind of / is stopped without touching users of /", async () => {
    const src = t.s.mkdir("bindsrc");
    writeFileSync(`${src}/f`, "x");
    const p = { device: src, directory: t.s.path("bindmp"), fstype: "none" };
    expect((await agent(t.agent, "start", p)).code).toBe(0);
    expect(readFileSync(`${p.directory}/f`, "utf8")).toBe("x");
    expect((await agent(t.agent, "monitor", p)).code).toBe(0);
    expect((await agent(t.agent, "stop", p)).code).toBe(0);
    expect(mountAt(p.directory)).toBeUndefined();

    const root = { device: "/", directory: t.s.path("rootbind"), fstype: "none", options: "bind" };
    const bystander = t.s.spawn(["sleep", "300"], "/tmp");
    expect((await agent(t.agent, "start", root)).code).toBe(0);
    const inside = t.s.spawn(["sleep", "300"], `${root.directory}/tmp`);
    const r = await agent(t.agent, "stop", root);
    expect(r.code).toBe(0);
    expect(mountAt(root.directory)).toBeUndefined();
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    expect(inside.signalCode).toBe("SIGTERM");
  });

  it("run_fsck=force on a corrupted ext4 fails start with the fsck reason and mounts nothing", async () => {
    const dev = await t.s.loopFs("ext4", 64);
    await shOut(["debugfs", "-w", "-R", "clri <2>", dev]); // wipe the root inode: fsck -p cannot fix that alone
    await shOut(["tune2fs", "-E", "force_fsck", dev]); // and flag the fs as having errors, or -p skips a "clean" fs
    const p = { device: dev, directory: t.s.path("broken"), fstype: "ext4", run_fsck: "force" };
    const r = await agent(t.agent, "start", p);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ocf-exit-reason:fsck found problems it could not fix: fsck -t ext4 -p .*exit [48]/);
    expect(mountAt(p.directory)).toBeUndefined();
  });
});
