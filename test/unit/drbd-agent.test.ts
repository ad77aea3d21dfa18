import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { drbd } from "../../agents/drbd/index";
import { runAgent } from "../../src/ocf/runtime";
import { FakeDrbd } from "../fake-drbd/index";

/**
 * ocf:hanfs:drbd's actions against the fake DRBD (test/fake-drbd: stub drbdadm/drbdsetup/modprobe/
 * crm_attribute acting on a JSON kernel state, /proc/drbd rendered from it), run in-process through
 * the OCF runtime the way pacemaker-execd runs the binary.
 */
let f: FakeDrbd;
afterEach(() => f?.cleanup());

const CLONE = {
  OCF_RESKEY_CRM_meta_clone: "0",
  OCF_RESKEY_CRM_meta_clone_max: "2",
  OCF_RESKEY_CRM_meta_clone_node_max: "1",
  OCF_RESKEY_CRM_meta_promoted_max: "1",
  OCF_RESKEY_CRM_meta_promoted_node_max: "1",
  OCF_RESKEY_CRM_meta_notify: "true",
  OCF_RESKEY_CRM_meta_on_node: "alpha",
};

function env(extra: Record<string, string> = {}, params: Record<string, string> = {}): Record<string, string> {
  const p = { drbd_resource: "r0", drbdconf: f.conf, ...params };
  return f.env({ OCF_RESOURCE_INSTANCE: "drbd_nfs", ...CLONE, ...Object.fromEntries(Object.entries(p).map(([k, v]) => [`OCF_RESKEY_${k}`, v])), ...extra });
}

async function act(action: string, extra: Record<string, string> = {}, params: Record<string, string> = {}) {
  const io = { out: "", err: "" };
  const t0 = Date.now();
  const code = await runAgent(drbd, [action], env(extra, params), { out: (s) => void (io.out += s), err: (s) => void (io.err += s) });
  return { code, err: io.err, ms: Date.now() - t0 };
}

const monitorEnv = (role: "Promoted" | "Unpromoted" = "Unpromoted") => ({ OCF_RESKEY_CRM_meta_interval: role === "Promoted" ? "10000" : "20000", OCF_RESKEY_CRM_meta_role: role });
const drbdCalls = () => f.calls().filter((c) => /^(drbdadm|drbdsetup|modprobe|modinfo) /.test(c));
const record = () => JSON.parse(readFileSync(`${f.dir}/rsctmp/hanfs-drbd-r0.json`, "utf8"));

describe("start, monitor, promote, demote, stop on DRBD 8.4", () => {
  it("start loads the module, brings r0 up the 8.4 way, waits for the peer and scores 10000", async () => {
    f = await FakeDrbd.create();
    const r = await act("start");
    expect(r.err).not.toMatch(/WARNING|ERROR/);
    expect(r.err).toMatch(/INFO: r0 started: Secondary disk UpToDate peer disk UpToDate peer:Connected\/Secondary/);
    expect(r.code).toBe(0);
    const cmds = drbdCalls().map((c) => c.replace(/ -c \S+/, ""));
    expect(cmds).toContain("modprobe -s drbd");
    expect(cmds.filter((c) => /^drbdadm (new-resource|new-minor|attach|adjust) r0$/.test(c))).toEqual(["drbdadm new-resource r0", "drbdadm new-minor r0", "drbdadm attach r0", "drbdadm adjust r0"]);
    const s = f.state();
    expect(s.res.r0).toMatchObject({ exists: true, attached: true, net: true, role: "Secondary" });
    expect(s.score).toBe("10000");
    expect(record().minors).toEqual([0]);
  });

  it("a recurring monitor forks nothing but crm_attribute; 20 unchanged monitors cost one score write", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    f.set((s) => void (s.score = null));
    f.clearCalls();
    for (let i = 0; i < 20; i++) expect((await act("monitor", monitorEnv())).code).toBe(0);
    expect(drbdCalls()).toEqual([]);
    expect(f.scoreWrites()).toEqual(["crm_attribute --promotion=drbd_nfs -l reboot -v 10000"]);
    expect(f.calls()).toHaveLength(21); // 20 reads + 1 write
  });

  it("monitor codes: degraded 190/191, failed disk 1/9, down 7; the score follows", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    f.set((_s, r) => (r.peerUp = false));
    let m = await act("monitor", monitorEnv());
    expect(m.code).toBe(190);
    expect(m.err).toMatch(/ocf-exit-reason:connection to peer is Connecting/);
    expect(f.state().score).toBe("1000"); // UpToDate, peer unknown
    f.set((_s, r) => Object.assign(r, { role: "Primary" }));
    expect((await act("monitor", monitorEnv("Promoted"))).code).toBe(191);
    expect(f.state().score).toBe("10000");
    f.set((_s, r) => Object.assign(r, { peerUp: true, conn: "SyncSource", peerDisk: "Inconsistent" }));
    m = await act("monitor", monitorEnv("Promoted"));
    expect(m.code).toBe(191);
    expect(m.err).toMatch(/SyncSource/);
    f.set((_s, r) => Object.assign(r, { conn: "Connected", peerDisk: "UpToDate", attached: false }));
    m = await act("monitor", monitorEnv("Promoted"));
    expect(m.code).toBe(9);
    expect(m.err).toMatch(/local disk Diskless/);
    f.set((_s, r) => Object.assign(r, { role: "Secondary" }));
    expect((await act("monitor", monitorEnv())).code).toBe(1);
    expect(f.state().score).toBe("10"); // linbit's "only remote UpToDate data" tier
    f.set((_s, r) => Object.assign(r, { exists: false, minors: false, attached: false, net: false }));
    m = await act("monitor", monitorEnv());
    expect(m.code).toBe(7);
    expect(f.state().score).toBeNull();
  });

  it("probes read the kernel exactly (events2): running 0/8, down 7 without touching the score", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary" });
    expect((await act("monitor")).code).toBe(8);
    expect(drbdCalls()).toContain("drbdsetup events2 --now r0");
    expect(f.state().score).toBe("10000");
    f.set((s, r) => {
      Object.assign(r, { exists: false, minors: false, attached: false, net: false, role: "Secondary" });
      s.score = null;
    });
    f.clearCalls();
    expect((await act("monitor")).code).toBe(7);
    expect(f.scoreWrites()).toEqual([]);
    // no module at all: 7 from the missing /proc/drbd alone
    f.set((s) => void (s.loaded = false));
    f.clearCalls();
    expect((await act("monitor")).code).toBe(7);
    expect(drbdCalls()).toEqual([]);
  });

  it("promote makes it Primary; demote makes it Secondary; both rescore", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    expect((await act("promote")).code).toBe(0);
    expect(f.state().res.r0.role).toBe("Primary");
    expect((await act("monitor", monitorEnv("Promoted"))).code).toBe(8);
    expect((await act("demote")).code).toBe(0);
    expect(f.state().res.r0.role).toBe("Secondary");
  });

  it("promote refuses at once without UpToDate data (Outdated disk, or drbdsetup's 17) and removes the score", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    f.set((_s, r) => Object.assign(r, { disk: "Outdated", peerUp: false }));
    let p = await act("promote", { OCF_RESKEY_CRM_meta_timeout: "60000" });
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/refusing to promote r0: volume 0: local disk Outdated/);
    expect(p.ms).toBeLessThan(10_000);
    expect(f.state().score).toBeNull();
    expect(drbdCalls().some((c) => c.includes(" primary "))).toBe(false);
    f.set((s, r) => {
      Object.assign(r, { disk: "UpToDate" });
      s.fail["drbdadm primary"] = { code: 17, stderr: "0: State change failed: (-2) Need access to UpToDate data" };
    });
    f.clearCalls();
    p = await act("promote", { OCF_RESKEY_CRM_meta_timeout: "60000" });
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/without access to UpToDate data/);
    expect(drbdCalls().filter((c) => c.includes(" primary "))).toHaveLength(1);
  });

  it("a Primary peer: promote retries within its timeout, or fails after one try with fail_promote_early_if_peer_primary", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    f.set((_s, r) => (r.peerRole = "Primary"));
    let p = await act("promote", { OCF_RESKEY_CRM_meta_timeout: "5000" });
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/not promoted before the timeout: peer is still Primary/);
    expect(p.ms).toBeLessThan(5000);
    f.clearCalls();
    p = await act("promote", { OCF_RESKEY_CRM_meta_timeout: "30000" }, { fail_promote_early_if_peer_primary: "true" });
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/refusing to promote r0: peer is still Primary/);
    expect(p.ms).toBeLessThan(10_000);
    expect(drbdCalls().filter((c) => c.includes(" primary "))).toHaveLength(1);
  });

  it("demote of a device held open retries until its timeout; stop of a Primary held open fails, never reports success", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    expect((await act("promote")).code).toBe(0);
    f.set((_s, r) => (r.open = true));
    const d = await act("demote", { OCF_RESKEY_CRM_meta_timeout: "4000" });
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/still Primary at the demote timeout: .*held open/);
    expect(d.ms).toBeLessThan(4000);
    const s = await act("stop", { OCF_RESKEY_CRM_meta_timeout: "4000" });
    expect(s.code).toBe(1);
    expect(s.err).toMatch(/still configured in the kernel at the stop timeout/);
    expect(f.state().res.r0).toMatchObject({ exists: true, role: "Primary" });
    f.set((_s, r) => (r.open = false));
    expect((await act("stop")).code).toBe(0);
    expect(f.state().res.r0).toMatchObject({ exists: false, role: "Secondary" });
    expect(f.state().score).toBeNull();
    expect(existsSync(`${f.dir}/rsctmp/hanfs-drbd-r0.json`)).toBe(false);
    expect((await act("stop")).code).toBe(0); // idempotent
  });

  it("stop with a bad parameter takes the named resource down by drbdsetup; with a bad name it fails", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    expect((await act("promote")).code).toBe(0);
    f.clearCalls();
    const s = await act("stop", {}, { drbdconf: "relative/drbd.conf" });
    expect(s.code).toBe(0);
    expect(drbdCalls()).toEqual(expect.arrayContaining(["drbdsetup secondary r0", "drbdsetup down r0"]));
    expect(drbdCalls().some((c) => c.startsWith("drbdadm"))).toBe(false);
    expect(f.state().res.r0.exists).toBe(false);
    // Primary and held open: the same stop must fail
    f.up({ role: "Primary", open: true });
    const held = await act("stop", { OCF_RESKEY_CRM_meta_timeout: "3000" }, { adjust_master_score: "1 2 3" });
    expect(held.code).toBe(1);
    expect(f.state().res.r0.role).toBe("Primary");
    f.clearCalls();
    const bad = await act("stop", {}, { drbd_resource: "-r0" });
    expect(bad.code).toBe(6);
    expect(drbdCalls()).toEqual([]);
  });

  it("start demotes a resource it finds Primary; attach that fails twice fails the start", async () => {
    f = await FakeDrbd.create();
    f.up({ role: "Primary" });
    expect((await act("start")).code).toBe(0);
    expect(f.state().res.r0.role).toBe("Secondary");
    f.set((s, r) => {
      Object.assign(r, { exists: false, minors: false, attached: false, net: false });
      s.fail["drbdadm attach"] = { code: 10, stderr: "(114) Lower device is already claimed" };
    });
    f.clearCalls();
    const st = await act("start");
    expect(st.code).toBe(1);
    expect(st.err).toMatch(/failed to attach the disk of r0: .*already claimed/);
    expect(drbdCalls().filter((c) => / attach r0$/.test(c))).toHaveLength(2);
  });

  it("connect_only_after_promote: start stays StandAlone, promote connects", async () => {
    f = await FakeDrbd.create();
    const params = { connect_only_after_promote: "true" };
    expect((await act("start", {}, params)).code).toBe(0);
    expect(f.state().res.r0.net).toBe(false);
    expect(f.state().score).toBe("1000");
    expect((await act("promote", {}, params)).code).toBe(0);
    expect(f.state().res.r0).toMatchObject({ role: "Primary", net: true });
  });

  it("notify: a start reconnects (adjust), a post notification rescores; always 0", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    f.set((s, r) => {
      r.net = false;
      s.score = "7";
    });
    const n = await act("notify", { OCF_RESKEY_CRM_meta_notify_type: "post", OCF_RESKEY_CRM_meta_notify_operation: "start", OCF_RESKEY_CRM_meta_notify_start_uname: "delta" });
    expect(n.code).toBe(0);
    expect(f.state().res.r0.net).toBe(true);
    expect(f.state().score).toBe("10000");
    expect((await act("notify")).code).toBe(0); // ocf-tester's bare notify
  });

  it("stop_outdates_secondary: a Secondary that cannot see its peer outdates itself when Pacemaker has another Promoted", async () => {
    f = await FakeDrbd.create();
    expect((await act("start")).code).toBe(0);
    f.set((_s, r) => (r.peerUp = false));
    const lists = { OCF_RESKEY_CRM_meta_notify_type: "post", OCF_RESKEY_CRM_meta_notify_operation: "promote", OCF_RESKEY_CRM_meta_notify_promoted_uname: "delta", OCF_RESKEY_CRM_meta_notify_stop_uname: " " };
    expect((await act("notify", lists)).code).toBe(0);
    expect(f.state().res.r0.disk).toBe("UpToDate"); // off by default
    expect((await act("notify", lists, { stop_outdates_secondary: "true" })).code).toBe(0);
    expect(f.state().res.r0.disk).toBe("Outdated");
    expect(f.state().score).toBeNull();
  });
});

describe("unfence_if_all_uptodate", () => {
  it("a Primary with every disk UpToDate removes the fence constraint once per all-UpToDate period", async () => {
    f = await FakeDrbd.create();
    const cib = `${f.dir}/cib.xml`;
    copyFileSync(join(__dirname, "fixtures/cib/constraint.cib.xml"), cib);
    const has = () => readFileSync(cib, "utf8").includes('id="drbd-fence-by-handler-r0-ms_drbd_r0"');
    expect(has()).toBe(true);
    f.up({ role: "Primary", conn: "SyncSource", peerDisk: "Inconsistent" });
    const opts = { ...monitorEnv("Promoted"), CIB_file: cib, OCF_RESKEY_CRM_meta_on_node: "delta" };
    const params = { unfence_if_all_uptodate: "true" };
    expect((await act("monitor", opts, params)).code).toBe(191);
    expect(has()).toBe(true);
    f.set((_s, r) => Object.assign(r, { conn: "Connected", peerDisk: "UpToDate" }));
    expect((await act("monitor", opts, params)).code).toBe(8);
    expect(has()).toBe(false);
    expect(record().unfenced).toBe(true);
    // put it back by hand: the next monitors of the same all-UpToDate period leave it (once per period)
    copyFileSync(join(__dirname, "fixtures/cib/constraint.cib.xml"), cib);
    expect((await act("monitor", opts, params)).code).toBe(8);
    expect(has()).toBe(true);
  });
});

describe("DRBD 9", () => {
  it("start uses adjust --skip-net then adjust; every monitor reads events2 (9's /proc/drbd has no state)", async () => {
    f = await FakeDrbd.create({ version: "9.2.8" });
    expect((await act("start")).code).toBe(0);
    const cmds = drbdCalls().map((c) => c.replace(/ -c \S+/, ""));
    expect(cmds.filter((c) => c.startsWith("drbdadm adjust"))).toEqual(["drbdadm adjust --skip-net r0", "drbdadm adjust r0"]);
    f.clearCalls();
    expect((await act("monitor", monitorEnv())).code).toBe(0);
    expect(drbdCalls()).toEqual(["drbdsetup events2 --now r0"]);
  });
});

describe("validate-all", () => {
  const v = (extra: Record<string, string> = {}, params: Record<string, string> = {}) => act("validate-all", extra, params);
  it("passes for the seed's clone; without clone meta (crm_resource --validate) it checks the rest only", async () => {
    f = await FakeDrbd.create();
    expect((await v()).code).toBe(0);
    const bare = await runAgent(drbd, ["validate-all"], f.env({ OCF_RESKEY_drbd_resource: "r0", OCF_RESKEY_drbdconf: f.conf }), { out: () => {}, err: () => {} });
    expect(bare).toBe(0);
  });
  it("notify off → 6 unless ignore_missing_notifications; promoted-max 2 needs allow-two-primaries; clone-node-max 1", async () => {
    f = await FakeDrbd.create();
    const off = await v({ OCF_RESKEY_CRM_meta_notify: "false" });
    expect(off.code).toBe(6);
    expect(off.err).toMatch(/notify=true/);
    expect((await v({ OCF_RESKEY_CRM_meta_notify: "false" }, { ignore_missing_notifications: "true" })).code).toBe(0);
    const two = await v({ OCF_RESKEY_CRM_meta_promoted_max: "2" });
    expect(two.code).toBe(6);
    expect(two.err).toMatch(/allow-two-primaries/);
    f.set((_s, r) => (r.allowTwoPrimaries = true));
    expect((await v({ OCF_RESKEY_CRM_meta_promoted_max: "2" })).code).toBe(0);
    expect((await v({ OCF_RESKEY_CRM_meta_promoted_max: "3" })).code).toBe(6);
    expect((await v({ OCF_RESKEY_CRM_meta_clone_node_max: "2" })).code).toBe(6);
    expect((await v({ OCF_RESKEY_CRM_meta_clone_max: "3" })).code).toBe(6); // 8.4: two nodes
  });
  it("bad names and values → 6", async () => {
    f = await FakeDrbd.create();
    for (const [k, val] of [["drbd_resource", "r0;rm"], ["drbd_resource", "-x"], ["drbdconf", "etc/drbd.conf"], ["adjust_master_score", "0 10 1000"], ["remove_master_score_if_peer_primary", "maybe"], ["require_drbd_module_version_ge", "new"]]) {
      const r = await v({}, { [k]: val });
      expect([k, val, r.code]).toEqual([k, val, 6]);
    }
  });
  it("module version bounds, a missing module, missing tools, a resource not in the configuration → 5", async () => {
    f = await FakeDrbd.create();
    const old = await v({}, { require_drbd_module_version_ge: "9.0.0" });
    expect(old.code).toBe(5);
    expect(old.err).toMatch(/8\.4\.11 is older than require_drbd_module_version_ge=9\.0\.0/);
    expect((await v({}, { require_drbd_module_version_lt: "8.4.11" })).code).toBe(5);
    f.set((s, r) => {
      s.available = false;
      r.configured = false;
    });
    const none = await v();
    expect(none.code).toBe(5);
    expect(none.err).toMatch(/DRBD kernel module not available/);
    f.set((s) => void (s.available = true));
    const missing = await v();
    expect(missing.code).toBe(5);
    expect(missing.err).toMatch(/does not define DRBD resource r0/);
    const noTools = await v({ PATH: "/nonexistent" });
    expect(noTools.code).toBe(5);
    expect(noTools.err).toMatch(/drbdadm is not installed/);
  });
});
