import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDrbd } from "../fake-drbd/index";
import { sh } from "../lib/sh";
import { PATH, Scratch, installOverUsrLib, removeUsrLibOverlay } from "./fixture";

/**
 * ocf:hanfs:drbd and the DRBD handlers as installed (`hanfs install --root /` over an overlay of
 * /usr/lib) under the tools admins use: crm_resource as nobody, crmsh loading the seed's
 * configuration (build/examples/seed.crm) into a shadow CIB, drbdadm-84 parsing build/examples/r0.res.
 */
const EXAMPLES = join(__dirname, "../../build/examples");
let s: Scratch;
let f: FakeDrbd;
beforeAll(async () => {
  s = new Scratch();
  await installOverUsrLib(s);
  f = await FakeDrbd.create();
}, 60_000);
afterAll(() => {
  f?.cleanup();
  removeUsrLibOverlay();
  s?.cleanup();
});

const run = (argv: string[], env: Record<string, string> = { PATH }, timeout = 60_000) => sh(argv, { env, timeout, check: false });
const asNobody = (argv: string[], env?: Record<string, string>) => run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", ...argv], env);

describe("installed ocf:hanfs:drbd under crm_resource, as nobody", () => {
  it("--show-metadata: the agent's meta-data, valid against ra-api-1.dtd", async () => {
    const md = await asNobody(["crm_resource", "--show-metadata", "ocf:hanfs:drbd"]);
    expect(md.stderr).toBe("");
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('<resource-agent name="drbd"');
    const v = await sh(["xmllint", "--noout", "--valid", "-"], { cwd: "/usr/share/resource-agents", input: md.stdout, timeout: 10_000, check: false });
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
  });

  it("--validate: 0 against a DRBD (the fake), 5 on this host without a DRBD module, 6 for a bad name", async () => {
    const opts = ["--option", "drbd_resource=r0", "--option", `drbdconf=${f.conf}`];
    const cmd = ["crm_resource", "--validate", "--class", "ocf", "--provider", "hanfs", "--agent", "drbd"];
    const ok = await asNobody([...cmd, ...opts], f.env());
    expect(ok.stdout + ok.stderr).not.toMatch(/ERROR|WARNING/);
    expect(ok.code).toBe(0);
    // this machine has drbd-utils but no DRBD kernel module (Debian 12 builds it; the test host lacks it)
    const host = await asNobody([...cmd, "--option", "drbd_resource=r0"], { PATH });
    expect(host.code).toBe(5);
    expect(host.stdout + host.stderr).toMatch(/DRBD kernel module not available|not installed/);
    const bad = await asNobody([...cmd, "--option", "drbd_resource=-r0"], f.env());
    expect(bad.code).toBe(6);
    expect(bad.stdout + bad.stderr).toMatch(/drbd_resource "-r0" may only use/);
  });

  it("the handlers are installed next to the binary and refuse to run without DRBD's environment (1, never 3-7)", async () => {
    for (const h of ["drbd-fence-peer", "drbd-unfence-peer"]) {
      expect(readlinkSync(`/usr/lib/hanfs/${h}`)).toBe("hanfs");
      const r = await run([`/usr/lib/hanfs/${h}`], { PATH, HA_LOGFACILITY: "none" });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^${h}\\(\\?\\): DRBD_RESOURCE=""`));
    }
  });
});

describe("the seed's configuration on hanfs (build/examples)", () => {
  /** Lines in which crmsh or Pacemaker complain. */
  const complaints = (t: string) => t.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => /\b(error|warning|ERROR|WARNING|CRIT)\b/.test(l));

  it("seed.crm loads with crmsh into a shadow CIB without a warning, and crm_verify is clean", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hanfs-seed-crm-"));
    try {
      const env = { PATH, LC_ALL: "C", HOME: dir, TERM: "dumb", CIB_shadow_dir: dir, CIB_shadow: "seed" };
      const empty = (await run(["cibadmin", "--empty"], env)).stdout;
      // the seed's two nodes online with quorum, and a fence device: what a live cluster gives the file
      const nodes = ["alpha", "delta"];
      const cib = empty
        .replace(/^<cib /, '<cib have-quorum="1" ')
        .replace("<nodes/>", `<nodes>${nodes.map((n, i) => `<node id="${i + 1}" uname="${n}"/>`).join("")}</nodes>`)
        .replace("<resources/>", '<resources><primitive id="fencing" class="stonith" type="fence_watchdog"/></resources>')
        .replace("<status/>", `<status>${nodes.map((n, i) => `<node_state id="${i + 1}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member"/>`).join("")}</status>`);
      writeFileSync(join(dir, "shadow.seed"), cib);
      const load = await run(["crm", "configure", "load", "update", join(EXAMPLES, "seed.crm")], env, 120_000);
      expect(complaints(load.stdout + load.stderr)).toEqual([]);
      expect(load.code).toBe(0);
      const loaded = readFileSync(join(dir, "shadow.seed"), "utf8");
      expect(loaded).toMatch(/<primitive id="drbd_nfs" class="ocf" provider="hanfs" type="drbd">/);
      expect(loaded).toMatch(/with-rsc-role="Promoted"/);
      const verify = await run(["crm_verify", "-V", "-x", join(dir, "shadow.seed")], env);
      expect(complaints(verify.stdout + verify.stderr)).toEqual([]);
      expect(verify.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("r0.res (DRBD 8.4 with the hanfs handlers) parses with drbdadm-84", async () => {
    const adm = ["/lib/drbd/drbdadm-84", "/usr/lib/drbd/drbdadm-84"].find(existsSync)!;
    const r = await run([adm, "-c", join(EXAMPLES, "r0.res"), "dump", "all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fence-peer\s+\/usr\/lib\/hanfs\/drbd-fence-peer;/);
    expect(r.stdout).toMatch(/after-resync-target\s+\/usr\/lib\/hanfs\/drbd-unfence-peer;/);
    expect(r.stdout).toMatch(/fencing\s+resource-only;/);
  });
});
