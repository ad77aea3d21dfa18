import { sh } from "../lib/sh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, Scratch, installOverUsrLib, mountAt, removeUsrLibOverlay, shOut } from "./fixture";

/**
 * The real install path: `hanfs install --root /` inside our private mount namespace, with an
 * overlay over /usr/lib so the host's /usr/lib never changes. Then the tools admins use.
 */
let s: Scratch;
const AGENT = "/usr/lib/ocf/resource.d/hanfs/Filesystem";
beforeAll(async () => {
  s = new Scratch();
  expect(await installOverUsrLib(s)).toContain("installed /usr/lib/hanfs/hanfs");
  expect(await shOut([BIN, "install", "--root", "/"])).not.toMatch(/installed|linked/); // idempotent
});
afterAll(() => {
  removeUsrLibOverlay();
  s.cleanup();
});

const run = (argv: string[], timeout = 120_000) => sh(argv, { timeout, check: false });

describe("installed agent under the admin tools", () => {
  it.each(["ext4", "xfs"] as const)("ocf-tester passes on %s", async (fstype) => {
    const dev = await s.loopFs(fstype, 300, fstype);
    const dir = s.path(`t-${fstype}`);
    const r = await run(["ocf-tester", "-n", "fs", "-o", `device=${dev}`, "-o", `directory=${dir}`, "-o", `fstype=${fstype}`, AGENT]);
    expect(r.stdout + r.stderr).toMatch(/hanfs\/Filesystem passed all tests/);
    expect(r.code).toBe(0);
    expect(mountAt(dir)).toBeUndefined();
  });

  it("crm_resource --show-metadata and --validate use it", async () => {
    const md = await run(["crm_resource", "--show-metadata", "ocf:hanfs:Filesystem"], 30_000);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('<resource-agent name="Filesystem"');
    const dev = await s.loopFs("ext4", 64, "v");
    const ok = await run(["crm_resource", "--validate", "--class", "ocf", "--provider", "hanfs", "--agent", "Filesystem", "--option", `device=${dev}`, "--option", `directory=${s.path("v")}`, "--option", "fstype=ext4"], 30_000);
    expect(ok.code).toBe(0);
    const bad = await run(["crm_resource", "--validate", "--class", "ocf", "--provider", "hanfs", "--agent", "Filesystem", "--option", "device=/dev/hanfs-nope", "--option", "directory=rel", "--option", "fstype=ext4"], 30_000);
    expect(bad.code).toBe(6);
    expect(bad.stdout + bad.stderr).toMatch(/must be an absolute path/);
  });

  it("uninstall removes what install made", async () => {
    const out = await shOut([BIN, "uninstall", "--root", "/"]);
    expect(out).toContain("removed   /usr/lib/hanfs/hanfs");
    expect((await run(["test", "-e", AGENT])).code).toBe(1);
    await shOut([BIN, "install", "--root", "/"]);
  });
});
