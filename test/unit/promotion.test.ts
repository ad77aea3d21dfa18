import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { defineAgent, str } from "../../src/ocf/declare";
import { Deadline } from "../../src/ocf/deadline";
import { createLogger } from "../../src/ocf/log";
import { attributeValue, formatScore, parseScore, promotionScore } from "../../src/ocf/promotion";
import { runAgent } from "../../src/ocf/runtime";
import live from "./fixtures/pacemaker-2.1.5-live.json";
import { capture } from "../lib/capture";

/**
 * ctx.promotion with a crm_attribute on PATH that logs every call: either a stub answering like
 * Pacemaker 2.1.5 did in the live recording (fast, and it can hang or fail on demand), or a
 * wrapper around the real crm_attribute working on a CIB file (CIB_file), never on a cluster.
 */
const dir = mkdtempSync(join(tmpdir(), "hanfs-promotion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOG = join(dir, "calls.log");
const STATE = join(dir, "score");
const REAL = spawnSync("sh", ["-c", "command -v crm_attribute"], { encoding: "utf8", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } }).stdout.trim();
const rec = live.crm_attribute;
writeFileSync(join(dir, "set.xml"), rec["query-set"].stdout.replace(/value="10"/, 'value="@VALUE@"'));
writeFileSync(join(dir, "unset.xml"), rec["query-unset"].stdout);
writeFileSync(
  join(dir, "crm_attribute"),
  `#!/bin/sh
echo "$*" >>"${LOG}"
[ -n "$STUB_REAL" ] && exec "$STUB_REAL" "$@"
[ -n "$STUB_SLEEP" ] && exec sleep "$STUB_SLEEP"
[ -n "$STUB_FAIL" ] && { echo "crm_attribute: Could not connect to the CIB: Transport endpoint is not connected" >&2; exit "$STUB_FAIL"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -G) if [ -f "${STATE}" ]; then sed "s/@VALUE@/$(cat "${STATE}")/" "${dir}/set.xml"; exit 0; fi; cat "${dir}/unset.xml"; exit ${rec["query-unset"].code} ;;
    -v) printf %s "$2" >"${STATE}"; exit 0 ;;
    -D) rm -f "${STATE}"; exit 0 ;;
  esac
  shift
done
exit 64
`,
  { mode: 0o755 },
);
const calls = () => {
  try {
    return readFileSync(LOG, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};
const writes = () => calls().filter((c) => / -v | -D$/.test(c));
beforeEach(() => {
  rmSync(LOG, { force: true });
  rmSync(STATE, { force: true });
});

const ENV = { PATH: `${dir}:/usr/sbin:/usr/bin:/sbin:/bin`, OCF_RESOURCE_INSTANCE: "r0", OCF_RESKEY_CRM_meta_on_node: "alpha", HA_LOGFACILITY: "none" };
const toy = defineAgent({
  name: "Toy",
  version: "1",
  shortdesc: "t",
  longdesc: "t",
  params: { name: str({ default: "x", shortdesc: "n", longdesc: "n" }) },
  actions: {
    start: { timeout: 5, run: () => 0 },
    stop: { timeout: 5, run: () => 0 },
    // like a promotable agent's monitor: report the state, keep the score up to date
    monitor: {
      timeout: 20,
      run: async (ctx) => {
        await ctx.promotion.set(5);
        return 0;
      },
    },
  },
  invalidParamsOnStop: "succeed",
});
const direct = (env: Record<string, string> = ENV, ms = 10_000) => promotionScore({ instance: "r0", env, deadline: new Deadline(ms), log: createLogger("t", { HA_LOGFACILITY: "none" }, () => {}) });

describe("promotion score (stub crm_attribute)", () => {
  it("20 monitors with an unchanged score cost 1 write (and one read each)", async () => {
    for (let i = 0; i < 20; i++) expect(await runAgent(toy, ["monitor"], { ...ENV, OCF_RESKEY_CRM_meta_interval: "10000" }, capture())).toBe(0);
    expect(writes()).toEqual(["--promotion=r0 -l reboot -v 5"]);
    expect(calls().filter((c) => c.includes(" -G "))).toHaveLength(20);
    expect(readFileSync(STATE, "utf8")).toBe("5");
  });
  it("within one action: one read, then writes only on change", async () => {
    const p = direct();
    expect(await p.set(5)).toBe(true);
    expect(await p.set(5)).toBe(true);
    expect(await p.get()).toBe(5);
    expect(await p.set(7)).toBe(true);
    expect(await p.clear()).toBe(true);
    expect(await p.clear()).toBe(true);
    expect(await p.get()).toBeNull();
    expect(calls()).toEqual(["--promotion=r0 -l reboot -G --output-as=xml", "--promotion=r0 -l reboot -v 5", "--promotion=r0 -l reboot -v 7", "--promotion=r0 -l reboot -D"]);
  });
  it("concurrent calls are serialised: still one read and one write", async () => {
    const p = direct();
    expect(await Promise.all([p.set(3), p.set(3), p.get(), p.set(3)])).toEqual([true, true, 3, true]);
    expect(calls()).toHaveLength(2);
  });
  it("INFINITY both ways; a score is an integer", async () => {
    expect(await direct().set(Infinity)).toBe(true);
    expect(readFileSync(STATE, "utf8")).toBe("INFINITY");
    expect(await direct().get()).toBe(Infinity);
    expect(await direct().set(-Infinity)).toBe(true);
    expect(readFileSync(STATE, "utf8")).toBe("-INFINITY");
    expect(() => formatScore(1.5)).toThrow(TypeError);
    expect([parseScore("+10"), parseScore(" -3 "), parseScore("+INFINITY"), parseScore("lots")]).toEqual([10, -3, Infinity, undefined]);
  });
  it("a hung crm_attribute: the monitor still answers before its deadline, with a warning, and writes nothing", async () => {
    const io = capture();
    const t0 = Date.now();
    expect(await runAgent(toy, ["monitor"], { ...ENV, STUB_SLEEP: "30", OCF_RESKEY_CRM_meta_interval: "10000", OCF_RESKEY_CRM_meta_timeout: "4000" }, io)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(4000); // Pacemaker's SIGKILL
    expect(io.e).toMatch(/WARNING: promotion score not read: crm_attribute --promotion=r0 .*no answer within its time limit/);
    expect(io.e).not.toContain("ocf-exit-reason:");
    expect(calls()).toHaveLength(1);
  });
  it("a failing crm_attribute (cluster not running): warning, false, nothing written", async () => {
    const io = capture();
    const log = createLogger("t", { HA_LOGFACILITY: "none" }, io.err);
    const p = promotionScore({ instance: "r0", env: { ...ENV, STUB_FAIL: "102" }, deadline: new Deadline(10_000), log });
    expect(await p.set(5)).toBe(false);
    expect(await p.get()).toBeUndefined();
    expect(io.e).toMatch(/WARNING: promotion score not read: .*exit 102: crm_attribute: Could not connect to the CIB/);
    expect(writes()).toEqual([]);
  });
  it("reads the value from crm_attribute's XML (as recorded from a live 2.1.5 cluster)", () => {
    expect(rec["query-set"].code).toBe(0);
    expect(attributeValue(rec["query-set"].stdout)).toBe("10");
    expect(attributeValue(rec["query-unset"].stdout)).toBeUndefined();
    expect(attributeValue('<pacemaker-result><attribute name="x" scope="status" value="&quot;5&amp;"/></pacemaker-result>')).toBe('"5&');
  });
});

describe("promotion score (real crm_attribute on a CIB file)", () => {
  const cib = join(dir, "cib.xml");
  const real = { ...ENV, STUB_REAL: REAL, CIB_file: cib };
  beforeEach(() =>
    writeFileSync(
      cib,
      `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="alpha"/><node id="2" uname="delta"/></nodes><resources/><constraints/></configuration>
  <status><node_state id="1" uname="alpha" in_ccm="true" crmd="online" join="member" expected="member"/></status>
</cib>
`,
    ),
  );
  it("set, read back by another process, unchanged set writes nothing, clear removes it", async () => {
    expect(REAL).toMatch(/crm_attribute$/);
    expect(await direct(real).set(5)).toBe(true);
    expect(readFileSync(cib, "utf8")).toMatch(/<nvpair [^>]*name="master-r0" value="5"/);
    const again = direct(real);
    expect(await again.get()).toBe(5);
    expect(await again.set(5)).toBe(true);
    expect(await again.clear()).toBe(true);
    expect(readFileSync(cib, "utf8")).not.toContain("master-r0");
    expect(await direct(real).get()).toBeNull();
    expect(writes()).toEqual(["--promotion=r0 -l reboot -v 5", "--promotion=r0 -l reboot -D"]);
  });
  it("a write crm_attribute refuses (node unknown to the CIB) is a warning and false", async () => {
    const io = capture();
    const log = createLogger("t", { HA_LOGFACILITY: "none" }, io.err);
    const p = promotionScore({ instance: "r0", env: { ...real, OCF_RESKEY_CRM_meta_on_node: "delta" }, deadline: new Deadline(10_000), log });
    expect(await p.set(5)).toBe(false);
    expect(io.e).toMatch(/WARNING: promotion score not set to 5: crm_attribute --promotion=r0 -l reboot -v 5: exit 105/);
  });
});
