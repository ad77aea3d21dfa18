import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canonicalPath, childResolver, normalizePath, type Resolver } from "../../src/os/canonical";
import { parseMountinfo } from "../../src/os/mountinfo";

const mounts = (...points: string[]) => parseMountinfo(points.map((p, i) => `${30 + i} 22 7:${i} / ${p} rw - ext4 /dev/loop${i} rw`).join("\n"));

/** A filesystem of symlinks only ("/var/run" → "/run"); counts every lookup it is asked for. */
function fakeFs(links: Record<string, string>) {
  const calls: string[] = [];
  const resolve = (p: string): string => {
    const parts = p.split("/").filter(Boolean);
    let cur = "";
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === ".") continue;
      if (parts[i] === "..") cur = cur.slice(0, cur.lastIndexOf("/"));
      else cur = `${cur}/${parts[i]}`;
      const t = links[cur];
      if (t !== undefined) cur = resolve(t.startsWith("/") ? t : `${cur.slice(0, cur.lastIndexOf("/"))}/${t}`);
    }
    return cur || "/";
  };
  const r: Resolver = {
    realpath: async (d) => (calls.push(`realpath ${d}`), resolve(d)),
    readlink: async (p) => (calls.push(`readlink ${p}`), links[p]),
  };
  return { r, calls };
}

describe("normalizePath", () => {
  it("strips trailing slashes and collapses doubled ones, like heartbeat's sed plus readlink", () => {
    expect(normalizePath("/srv/")).toBe("/srv");
    expect(normalizePath("/srv///")).toBe("/srv");
    expect(normalizePath("//srv//data/")).toBe("/srv/data");
    expect(normalizePath("/")).toBe("/");
    expect(normalizePath("///")).toBe("/");
    expect(normalizePath("srv/")).toBe("srv/"); // not absolute: left for the check to refuse
    expect(normalizePath("")).toBe("");
  });
});

describe("canonicalPath", () => {
  it("a path mountinfo lists is canonical without a single lookup (the monitor's common case)", async () => {
    const { r, calls } = fakeFs({ "/var/run": "/run" });
    expect(await canonicalPath("/srv/", mounts("/srv"), r)).toBe("/srv");
    expect(calls).toEqual([]);
  });
  it("mount point under a symlinked parent: the parent is resolved, the mount point itself never looked at", async () => {
    const { r, calls } = fakeFs({ "/var/run": "/run" });
    expect(await canonicalPath("/var/run/o3mnt", mounts("/run/o3mnt"), r)).toBe("/run/o3mnt");
    expect(calls).toEqual(["realpath /var/run"]);
  });
  it("not mounted yet: the last component is looked at (it lives on the parent's filesystem)", async () => {
    const { r, calls } = fakeFs({ "/var/run": "/run" });
    expect(await canonicalPath("/var/run/o3mnt", [], r)).toBe("/run/o3mnt");
    expect(calls).toEqual(["realpath /var/run", "readlink /run/o3mnt"]);
  });
  it("a symlink as the mount point: followed, relative and absolute, through chains", async () => {
    const { r } = fakeFs({ "/srv/link": "real", "/srv/abs": "/data/mp", "/srv/chain": "link", "/data": "/store" });
    expect(await canonicalPath("/srv/link", [], r)).toBe("/srv/real");
    expect(await canonicalPath("/srv/abs", mounts("/store/mp"), r)).toBe("/store/mp");
    expect(await canonicalPath("/srv/chain", mounts("/srv/real"), r)).toBe("/srv/real");
    expect(await canonicalPath("/srv/up", [], fakeFs({ "/srv/up": "../x/.." }).r)).toBe("/");
  });
  it("a parent that is itself a mount point is not looked up either", async () => {
    const { r, calls } = fakeFs({});
    expect(await canonicalPath("/srv/export", mounts("/srv"), r)).toBe("/srv/export");
    expect(calls).toEqual(["readlink /srv/export"]);
  });
  it("symlink loops end with an error, not a hang", async () => {
    const { r } = fakeFs({ "/a/x": "/a/y", "/a/y": "/a/x" });
    await expect(canonicalPath("/a/x", [], r)).rejects.toThrow(/too many levels of symbolic links/);
  });
  it("lookup errors propagate (a hung parent: the caller turns it into an exit reason)", async () => {
    const r: Resolver = { realpath: () => Promise.reject(new Error("/mnt/nfs: no answer")), readlink: async () => undefined };
    await expect(canonicalPath("/mnt/nfs/mp", [], r)).rejects.toThrow(/no answer/);
  });
});

describe("childResolver on a real tree (coreutils realpath/readlink)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hanfs-canon-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("resolves like the kernel: symlinked parent, symlinked mount point, missing components, spaces", async () => {
    mkdirSync(join(dir, "real/mp"), { recursive: true });
    mkdirSync(join(dir, "with space"));
    symlinkSync(join(dir, "real"), join(dir, "var"));
    symlinkSync("mp", join(dir, "real/link"));
    symlinkSync(join(dir, "with space"), join(dir, "sp"));
    const r = childResolver(() => 5000);
    expect(await canonicalPath(`${dir}/var/mp`, [], r)).toBe(`${dir}/real/mp`);
    expect(await canonicalPath(`${dir}/var/link/`, [], r)).toBe(`${dir}/real/mp`);
    expect(await canonicalPath(`${dir}/var/missing/deeper`, [], r)).toBe(`${dir}/real/missing/deeper`);
    expect(await canonicalPath(`${dir}/sp/x`, [], r)).toBe(`${dir}/with space/x`);
  });
});
