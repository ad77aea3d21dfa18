import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Deadline } from "../../src/ocf/deadline";
import { createLogger } from "../../src/ocf/log";
import { parseHandlerArgs } from "../../src/drbd/handler-args";
import { readHandlerEnv } from "../../src/drbd/handler-env";
import { runHandler, type HandlerSettings } from "../../src/drbd/handler-run";
import { fencePeer, unfencePeer } from "../../src/drbd/handler";
import { runProgram } from "../../src/programs/program";
import { FakeDrbd } from "../fake-drbd/index";

/**
 * The handlers against real Pacemaker tools on recorded CIBs (CIB_file: cibadmin and crm_mon work on
 * a copy of test/unit/fixtures/cib/*, captured from a lab cluster where delta is Promoted) and the
 * fake DRBD's /proc/drbd. The namespace lab (test/lab/drbd-handlers.test.ts) runs them on a live CIB.
 */
const FIX = join(__dirname, "fixtures/cib");
const ID = "drbd-fence-by-handler-r0-ms_drbd_r0";
let f: FakeDrbd;
afterEach(() => f?.cleanup());

/**
 * A writable copy of a recorded CIB. The capture left its test constraint in the later states: it is
 * taken out, and the 3-node no-quorum CIB gets the 2-node recording's promotable clone.
 */
async function cib(name: string) {
  f ??= await FakeDrbd.create();
  const file = join(f.dir, `${name}.cib.xml`);
  let x = readFileSync(join(FIX, `${name}.cib.xml`), "utf8").replace(/\s*<rsc_location id="drbd-fence-by-handler-r0-ms_drbd_r0"[\s\S]*?<\/rsc_location>/, "");
  if (name === "no-quorum") x = x.replace("<resources/>", /<resources>[\s\S]*?<\/resources>/.exec(readFileSync(join(FIX, "online.cib.xml"), "utf8"))![0]);
  if (name !== "constraint") writeFileSync(file, x);
  else copyFileSync(join(FIX, `${name}.cib.xml`), file);
  return file;
}
const constraint = (file: string) => /<rsc_location id="drbd-fence-by-handler-r0-ms_drbd_r0"[\s\S]*?<\/rsc_location>/.exec(readFileSync(file, "utf8"))?.[0];
const epoch = (file: string) => /<cib [^>]*\bepoch="(\d+)"/.exec(readFileSync(file, "utf8"))?.[1];

function settings(mode: "fence" | "unfence", cibFile: string, me: string, peer: string, args: string[] = []): HandlerSettings {
  const e = readHandlerEnv({ DRBD_RESOURCE: "r0", DRBD_MINOR: "0", DRBD_PEER: peer });
  if (!e.ok) throw new Error(e.reason);
  return { mode, env: e.env, args: parseHandlerArgs(["--lock-dir", join(f.dir, "lock"), ...args]), tools: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C", CIB_file: cibFile, HANFS_PROC_DRBD: f.procPath }, me };
}
async function handle(s: HandlerSettings) {
  const lines: string[] = [];
  const log = createLogger("t", { HA_LOGFACILITY: "none" }, (l) => void lines.push(l));
  const t0 = Date.now();
  const code = await runHandler(s, { deadline: Deadline.within(s.args.timeoutS * 1000), log });
  return { code, log: lines.join(""), ms: Date.now() - t0 };
}

describe("fence-peer (8.4: /proc/drbd only)", () => {
  it("peer reachable, this node Primary UpToDate: places the ban on the peer, exit 4; again: 4, nothing written", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("online");
    const r = await handle(settings("fence", file, "delta", "alpha"));
    expect(r.code).toBe(4);
    const c = constraint(file)!;
    expect(c).toContain('rsc="ms_drbd_r0"');
    expect(c).toMatch(/role="Promoted" score="-INFINITY"/);
    expect(c).toMatch(/attribute="#uname" operation="ne" value="delta"/);
    const e = epoch(file);
    const again = await handle(settings("fence", file, "delta", "alpha"));
    expect(again.code).toBe(4);
    expect(again.log).toMatch(/equivalent constraint is already in place/);
    expect(epoch(file)).toBe(e);
  });

  it("two at once (the lock): both 4, one constraint", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("online");
    const [a, b] = await Promise.all([handle(settings("fence", file, "delta", "alpha")), handle(settings("fence", file, "delta", "alpha"))]);
    expect([a.code, b.code]).toEqual([4, 4]);
    expect(readFileSync(file, "utf8").match(/<rsc_location /g)).toHaveLength(1);
  });

  it("peer cleanly down and our data UpToDate: 7", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("peer-clean-down");
    const r = await handle(settings("fence", file, "delta", "alpha"));
    expect(r.code).toBe(7);
    expect(constraint(file)).toMatch(/value="delta"/);
  });

  it("peer lost but not fenced yet: waits within --timeout, then places the constraint anyway, exit 5", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("peer-unclean");
    const r = await handle(settings("fence", file, "delta", "alpha", ["--timeout", "6"]));
    expect(r.code).toBe(5);
    expect(r.log).toMatch(/waiting: peer alpha is unclean/);
    expect(r.ms).toBeGreaterThanOrEqual(2000); // at least one 2 s wait for the fencing; the rounds around it may be quick
    expect(r.ms).toBeLessThan(6000);
    expect(constraint(file)).toMatch(/value="delta"/);
  });

  it("no quorum: 1, nothing placed", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("no-quorum");
    const r = await handle(settings("fence", file, "gamma", "alpha"));
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/no quorum/);
    expect(constraint(file)).toBeUndefined();
  });

  it("this node Secondary while the peer is Promoted and reachable: 6 (outdate me), nothing placed", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Secondary", peerUp: false });
    const file = await cib("online");
    const r = await handle(settings("fence", file, "alpha", "delta"));
    expect(r.code).toBe(6);
    expect(constraint(file)).toBeUndefined();
  });

  it("the link is back (peer UpToDate): 1, nothing placed; the minor unconfigured: 1", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary" });
    const file = await cib("online");
    expect((await handle(settings("fence", file, "delta", "alpha"))).code).toBe(1);
    expect(constraint(file)).toBeUndefined();
    f.set((s) => void (s.loaded = false));
    expect((await handle(settings("fence", file, "delta", "alpha"))).code).toBe(1);
  });

  it("a node name the CIB does not know: 1, nothing placed (it would ban every node)", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("online");
    const r = await handle(settings("fence", file, "omega", "alpha"));
    expect(r.code).toBe(1);
    expect(constraint(file)).toBeUndefined();
  });
});

describe("unfence (8.4 after-resync-target)", () => {
  it("every disk UpToDate: the constraint goes, whoever placed it; not all UpToDate: it stays", async () => {
    f = await FakeDrbd.create();
    const file = await cib("constraint"); // placed by delta, bans alpha
    f.up({ role: "Secondary", conn: "SyncTarget", disk: "Inconsistent" });
    let r = await handle(settings("unfence", file, "alpha", "delta"));
    expect(r.code).toBe(0);
    expect(constraint(file)).toBeDefined();
    f.set((_s, x) => Object.assign(x, { conn: "Connected", disk: "UpToDate" }));
    r = await handle(settings("unfence", file, "alpha", "delta", ["--unfence-only-if-owner-match"]));
    expect(r.code).toBe(0);
    expect(constraint(file)).toBeDefined(); // it bans alpha: left to its owner
    r = await handle(settings("unfence", file, "alpha", "delta"));
    expect(r.code).toBe(0);
    expect(constraint(file)).toBeUndefined();
    r = await handle(settings("unfence", file, "alpha", "delta"));
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/no constraint in place/);
  });
});

describe("the programs (env and argv as DRBD gives them)", () => {
  const run = async (p: typeof fencePeer, env: Record<string, string>, args: string[] = []) => {
    const io = { out: "", err: "" };
    const code = await runProgram(p, args, env, { out: (s) => void (io.out += s), err: (s) => void (io.err += s) });
    return { code, err: io.err };
  };
  it("without DRBD's environment: 1 (never one of DRBD's codes), one line", async () => {
    const r = await run(fencePeer, { HA_LOGFACILITY: "none" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^drbd-fence-peer\(\?\): DRBD_RESOURCE="" is not a DRBD resource name/);
    const bad = await run(unfencePeer, { HA_LOGFACILITY: "none", DRBD_RESOURCE: "r0" }, ["--timeout", "soon"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--timeout needs whole seconds/);
  });
  it("linbit's options are accepted; unknown ones are logged, not fatal", () => {
    const a = parseHandlerArgs(["--timeout=30", "-d", "5", "--net-hickup", "2", "--unfence-only-if-owner-match", "--flock-required", "--flock-timeout", "0", "--quiet", "--id-prefix", "x", "--suicide-on-failure-if-primary", "--bogus", "extra"]);
    expect(a).toMatchObject({ timeoutS: 30, dcTimeoutS: 5, netHickupS: 2, unfenceOnlyIfOwnerMatch: true, lockRequired: true, lockTimeoutS: 0, quiet: true });
    expect(a.notes.join("\n")).toMatch(/--id-prefix x ignored[\s\S]*suicide[\s\S]*--bogus[\s\S]*'extra'/);
  });
  it("fence through the program: crm_node has no cluster here, the host name is no node of the CIB: 1", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary", peerUp: false });
    const file = await cib("online");
    const r = await run(fencePeer, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HA_LOGFACILITY: "none", DRBD_RESOURCE: "r0", DRBD_MINOR: "0", DRBD_PEER: "alpha", CIB_file: file, HANFS_PROC_DRBD: f.procPath }, ["--lock-dir", join(f.dir, "lock"), "--timeout", "20"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a node of the cluster/);
    expect(constraint(file)).toBeUndefined();
  });
});
