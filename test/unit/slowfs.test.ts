import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { devString, originOf, parseMountinfo } from "../../src/os/mountinfo";
import { SlowFsError, appendFileText, createFile, makeDirs, readFileText, statPath, statPaths, writeFileText } from "../../src/os/slowfs";

describe("slowfs: file calls in bounded children (the same answers as in-process calls)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hanfs-slowfs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("stat follows symlinks, gives the device as mountinfo prints it, and leaves out what is missing", async () => {
    writeFileSync(join(dir, "f"), "x");
    symlinkSync(dir, join(dir, "link with space"));
    const { found, errors } = await statPaths([dir, join(dir, "f"), join(dir, "link with space"), join(dir, "missing")], 5000);
    expect(found.get(dir)).toEqual({ dev: devString(statSync(dir).dev), ino: statSync(dir).ino, isDir: true });
    expect(found.get(join(dir, "f"))?.isDir).toBe(false);
    expect(found.get(join(dir, "link with space"))?.ino).toBe(statSync(dir).ino);
    expect(found.has(join(dir, "missing"))).toBe(false);
    expect(errors.join("\n")).toMatch(/No such file or directory/);
    expect(await statPath(join(dir, "missing"), 5000)).toBeUndefined();
  });
  it("reads, writes, appends, creates only what is missing, makes directories", async () => {
    const f = join(dir, "a/b/c.txt");
    await makeDirs([join(dir, "a/b")], 5000);
    expect(await readFileText(f, 5000)).toBeUndefined();
    await writeFileText(f, "one\n", 5000);
    await appendFileText(f, "two\n", 5000);
    expect(await readFileText(f, 5000)).toBe("one\ntwo\n");
    expect(await createFile(f, "new", 5000)).toBe(false);
    expect(readFileSync(f, "utf8")).toBe("one\ntwo\n");
    const bin = Buffer.from([0, 0xff, 0x80, 0x7f]);
    expect(await createFile(join(dir, "state"), bin, 5000)).toBe(true);
    expect(readFileSync(join(dir, "state")).equals(bin)).toBe(true); // bytes, not UTF-8 of them
  });
  it("a failure is a SlowFsError with the tool's reason, not a hang", async () => {
    await expect(writeFileText(join(dir, "no/such/dir/f"), "x", 5000)).rejects.toThrow(SlowFsError);
    await expect(readFileText(dir, 5000)).rejects.toThrow(/Is a directory/);
  });
});

describe("originOf: where a path lives by the mount table alone", () => {
  const mi = parseMountinfo(`22 1 254:1 / / rw - ext4 /dev/vda rw
30 22 147:0 / /srv rw - ext4 /dev/drbd0 rw
31 22 147:0 /nfs_shared /var/lib/nfs rw - ext4 /dev/drbd0 rw
32 30 0:50 /sub /srv/x rw - ext4 /dev/loop1 rw
`);
  it("longest mount point prefix; the path inside that filesystem as a bind would show it", () => {
    expect(originOf(mi, "/srv/nfs_shared")).toMatchObject({ dev: "147:0", root: "/nfs_shared" });
    expect(originOf(mi, "/srv")).toMatchObject({ dev: "147:0", root: "/" });
    expect(originOf(mi, "/srv/x/y")).toMatchObject({ dev: "0:50", root: "/sub/y" });
    expect(originOf(mi, "/srvx")).toMatchObject({ dev: "254:1", root: "/srvx" });
    expect(originOf(mi, "/var/lib/nfs/etab")).toMatchObject({ dev: "147:0", root: "/nfs_shared/etab" });
  });
});
