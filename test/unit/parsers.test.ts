import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mountsToRemove } from "../../agents/Filesystem/common";
import { checkPath, parseDevice } from "../../agents/Filesystem/device";
import { findHolders } from "../../src/os/holders";
import { devString, isBelow, parseMountinfo, topMountAt } from "../../src/os/mountinfo";
import { parseSignalList } from "../../src/os/signals";

const MI = `22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 7:3 / /srv rw,relatime - ext4 /dev/loop3 rw
31 30 0:40 / /srv/sub rw - tmpfs tmpfs rw
32 31 0:41 / /srv/sub/deep rw - tmpfs tmpfs rw
33 22 7:3 /nfs_shared /var/lib/nfs rw - ext4 /dev/loop3 rw
34 22 7:4 / /mnt/with\\040space rw - xfs /dev/loop4 rw
35 22 7:5 / /srv2 rw - ext4 /dev/loop5 rw
`;

describe("mountinfo", () => {
  const m = parseMountinfo(MI);
  it("parses fields and unescapes octal", () => {
    expect(m).toHaveLength(7);
    expect(m[1]).toMatchObject({ id: 30, parent: 22, dev: "7:3", root: "/", mountpoint: "/srv", fstype: "ext4", source: "/dev/loop3" });
    expect(m[5].mountpoint).toBe("/mnt/with space");
    expect(m[4].root).toBe("/nfs_shared");
  });
  it("handles optional fields before the separator", () => {
    expect(m[0].fstype).toBe("ext4");
    expect(m[0].source).toBe("/dev/vda");
  });
  it("isBelow is path-aware", () => {
    expect(isBelow("/srv/x", "/srv")).toBe(true);
    expect(isBelow("/srv", "/srv")).toBe(true);
    expect(isBelow("/srv2", "/srv")).toBe(false);
    expect(isBelow("/foo", "/foo/bar")).toBe(false);
  });
  it("stop order: what is mounted on the roots, deepest first; not /srv2", () => {
    const srv = topMountAt(m, "/srv")!;
    const nfs = topMountAt(m, "/var/lib/nfs")!;
    // equal depth in the mount tree: the later mount goes first (it may sit on the earlier one)
    expect(mountsToRemove(m, [srv, nfs]).map((x) => x.mountpoint)).toEqual(["/srv/sub/deep", "/srv/sub", "/var/lib/nfs", "/srv"]);
    expect(mountsToRemove(m, [srv]).map((x) => x.mountpoint)).toEqual(["/srv/sub/deep", "/srv/sub", "/srv"]);
  });
  it("a mount stacked on ours at the same path goes first; one that was there before ours is not ours", () => {
    const stacked = parseMountinfo(`22 1 254:1 / / rw - ext4 /dev/vda rw
29 22 0:50 / /srv rw - tmpfs under rw
30 29 7:3 / /srv rw - ext4 /dev/loop3 rw
36 30 0:51 / /srv rw - tmpfs cover rw
`);
    expect(mountsToRemove(stacked, [stacked[2]]).map((x) => x.source)).toEqual(["cover", "/dev/loop3"]);
  });
  it("devString decodes large device numbers", () => {
    expect(devString(0x0703)).toBe("7:3");
    expect(devString(259 * 256 + 1)).toBe("259:1");
    expect(devString(0x10000100)).toBe("1:65536"); // minor bits above 0xff live at bit 20 and up
  });
});

describe("signal lists", () => {
  it("accepts names, SIG prefixes, numbers, commas and spaces", () => {
    expect(parseSignalList("TERM")).toEqual({ signals: ["SIGTERM"] });
    expect(parseSignalList("sighup, TERM 9")).toEqual({ signals: ["SIGHUP", "SIGTERM", "SIGKILL"] });
  });
  it("refuses unknown, empty and non-ending signals", () => {
    expect(parseSignalList("BOGUS")).toHaveProperty("error");
    expect(parseSignalList("")).toHaveProperty("error");
    expect(parseSignalList("STOP")).toHaveProperty("error");
    expect(parseSignalList("TERM;rm")).toHaveProperty("error");
  });
});

describe("device and path specs", () => {
  it("paths: absolute, no metacharacters, no dot components", () => {
    expect(checkPath("/srv")).toBeUndefined();
    expect(checkPath("srv")).toMatch(/absolute/);
    expect(checkPath("/srv;reboot")).toMatch(/not allowed/);
    expect(checkPath("/srv/$(id)")).toMatch(/not allowed/);
    expect(checkPath("/srv/../etc")).toMatch(/\.\./);
    expect(checkPath("/srv/")).toBeUndefined(); // normalised before the check, like heartbeat's sed
    expect(parseDevice("/dev//loop0/", "ext4", "")).toEqual({ kind: "block", path: "/dev/loop0" });
  });
  it("tags, network shares, binds and pseudo filesystems", () => {
    expect(parseDevice("UUID=1234-abcd", "ext4", "")).toEqual({ kind: "tag", tag: "UUID", value: "1234-abcd" });
    expect(parseDevice("-L data", "ext4", "")).toEqual({ kind: "tag", tag: "LABEL", value: "data" });
    expect(parseDevice("-U 1234", "xfs", "")).toEqual({ kind: "tag", tag: "UUID", value: "1234" });
    expect(parseDevice("nfs1:/export", "nfs4", "")).toEqual({ kind: "network", spec: "nfs1:/export" });
    expect(parseDevice("[fd51::1]:/export", "nfs4", "")).toEqual({ kind: "network", spec: "[fd51::1]:/export" });
    expect(parseDevice("//srv/share", "cifs", "")).toEqual({ kind: "network", spec: "//srv/share" });
    expect(parseDevice("/srv/nfs_shared", "none", "")).toEqual({ kind: "bind", path: "/srv/nfs_shared" });
    expect(parseDevice("/srv/nfs_shared", "ext4", "bind,ro")).toEqual({ kind: "bind", path: "/srv/nfs_shared" });
    expect(parseDevice("tmpfs", "tmpfs", "")).toEqual({ kind: "pseudo", name: "tmpfs" });
    expect(parseDevice("/dev/drbd0", "ext4", "")).toEqual({ kind: "block", path: "/dev/drbd0" });
    expect(typeof parseDevice("host:/x;id", "nfs", "")).toBe("string");
    expect(typeof parseDevice("/dev/sda`id`", "ext4", "")).toBe("string");
    expect(typeof parseDevice("UUID=$(id)", "ext4", "")).toBe("string");
  });
});

describe("holder scan over a fake /proc", () => {
  const proc = mkdtempSync(join(tmpdir(), "hanfs-proc-"));
  const mk = (pid: number, o: { cwd?: string; fds?: Record<string, string>; fdinfo?: Record<string, number>; maps?: string }) => {
    const d = join(proc, String(pid));
    mkdirSync(join(d, "fd"), { recursive: true });
    mkdirSync(join(d, "fdinfo"));
    writeFileSync(join(d, "comm"), `p${pid}\n`);
    symlinkSync(o.cwd ?? "/", join(d, "cwd"));
    symlinkSync("/", join(d, "root"));
    symlinkSync("/usr/bin/sleep", join(d, "exe"));
    for (const [fd, t] of Object.entries(o.fds ?? {})) {
      symlinkSync(t, join(d, "fd", fd));
      writeFileSync(join(d, "fdinfo", fd), `pos:\t0\nflags:\t02\nmnt_id:\t${o.fdinfo?.[fd] ?? 22}\n`);
    }
    writeFileSync(join(d, "maps"), o.maps ?? "");
  };
  mk(100, { cwd: "/srv/data" });
  mk(101, { cwd: "/tmp", fds: { "0": "/dev/null", "3": "/srv/f (deleted)" } });
  mk(102, { maps: "7f00-7f01 r-xp 00000000 07:03 12 /srv/lib/libx.so\n" });
  mk(103, { cwd: "/srv" + "2/elsewhere" });
  mk(104, { cwd: "/foo" });
  mk(105, { fds: { "4": "/other/path/via/bind" }, fdinfo: { "4": 30 } });
  mk(106, { fds: { "5": "socket:[1234]", "6": "pipe:[9]" } });
  writeFileSync(join(proc, "self"), "");

  it("finds cwd, deleted fd, mmap and mount-id holders, and nothing outside", () => {
    const h = findHolders({ mountpoints: ["/srv"], mountIds: new Set([30]) }, new Set(), proc);
    expect(h.map((x) => [x.pid, x.why]).sort()).toEqual([
      [100, "cwd /srv/data"],
      [101, "fd 3 /srv/f"],
      [102, "mmap /srv/lib/libx.so"],
      [105, "fd 4 /other/path/via/bind"],
    ]);
  });
  it("stopping /foo/bar never matches users of /foo (RA#1944)", () => {
    expect(findHolders({ mountpoints: ["/foo/bar"], mountIds: new Set() }, new Set(), proc)).toEqual([]);
  });
  it("excluded PIDs are skipped", () => {
    expect(findHolders({ mountpoints: ["/srv"], mountIds: new Set() }, new Set([100, 101, 102]), proc)).toEqual([]);
  });
});
