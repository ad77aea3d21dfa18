import { lstatSync, readFileSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sh } from "../lib/sh";
import { BIN, Scratch, shOut } from "./fixture";

const PKG = JSON.parse(readFileSync(`${__dirname}/../../package.json`, "utf8"));
let s: Scratch;
beforeAll(() => {
  s = new Scratch();
});
afterAll(() => s.cleanup());

/** Run with an empty environment (as another user: through su), never throwing. */
const bare = (argv: string[], user?: string) =>
  sh(user ? ["su", user, "-s", "/bin/sh", "-c", `env -i ${argv.join(" ")}`] : ["env", "-i", ...argv], { check: false });

describe("the single binary", () => {
  it("is an ELF executable that runs with an empty environment (no node on PATH)", async () => {
    expect(await shOut(["file", "-L", BIN])).toMatch(/ELF 64-bit LSB (pie )?executable/);
    const r = await bare([BIN, "version"]);
    expect(r.code).toBe(0);
    // the runtime inside is the Bun of the pinned npm package
    expect(r.stdout).toBe(`hanfs ${PKG.version} (bun ${PKG.devDependencies["@oven/bun-linux-x64"]})\n`);
    expect(r.stderr).toBe("");
  });

  it("--help lists every command, and every command has --help", async () => {
    const r = await bare([BIN, "--help"]);
    expect(r.code).toBe(0);
    for (const c of ["install", "uninstall", "list", "meta-data", "version"]) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    for (const c of ["install", "uninstall", "list", "meta-data", "version"]) expect((await bare([BIN, c, "--help"])).code, c).toBe(0);
    const bad = await bare([BIN, "frobnicate"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown command/);
  });

  it("dispatches on the name it was invoked by; meta-data, usage and methods work as nobody with no environment", async () => {
    const link = s.path("Filesystem");
    symlinkSync(BIN, link);
    for (const action of ["meta-data", "usage", "methods"]) {
      const r = await bare([link, action], "nobody");
      expect(r.code, action).toBe(0);
      expect(r.stderr, action).toBe("");
    }
    expect((await bare([link, "meta-data"])).stdout).toContain('<resource-agent name="Filesystem"');
    expect((await bare([BIN, "meta-data", "Filesystem"])).stdout).toBe((await bare([link, "meta-data"])).stdout);
    expect((await bare([BIN, "meta-data", "NoSuchAgent"])).code).toBe(2);
  });

  it("install is idempotent, reports what it did, and uninstall undoes it", async () => {
    const root = s.mkdir("root");
    const first = await shOut([BIN, "install", "--root", root]);
    expect(first).toMatch(/^installed .*\/usr\/lib\/hanfs\/hanfs$/m);
    expect(first).toMatch(/^linked +.*\/usr\/lib\/ocf\/resource\.d\/hanfs\/Filesystem -> \.\.\/\.\.\/\.\.\/hanfs\/hanfs$/m);
    expect(statSync(`${root}/usr/lib/hanfs/hanfs`).mode & 0o777).toBe(0o755);
    expect(readlinkSync(`${root}/usr/lib/hanfs/haproxy-check`)).toBe("hanfs");
    const again = await shOut([BIN, "install", "--root", root]);
    expect(again).not.toMatch(/^(installed|linked)/m);
    expect(again).toMatch(/^unchanged /m);
    const list = (await shOut([BIN, "list"])).trim().split("\n").map((l) => l.split("\t")[0]);
    for (const a of list) expect(lstatSync(`${root}/usr/lib/ocf/resource.d/${a.split(":").join("/").replace(/^ocf\//, "")}`).isSymbolicLink(), a).toBe(true);
    await shOut([BIN, "uninstall", "--root", root]);
    expect(await shOut(["find", root, "-mindepth", "1", "-not", "-type", "d"])).toBe("");
  });
});
