import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyExisting, fenceConstraintXml, fenceIds, idPart, locationById } from "../../src/cib/constraints";
import { cibNodes, cibQuorum, classifyNodeState, monNodes, monQuorum } from "../../src/cib/nodes";
import { stonithEnabled } from "../../src/cib/options";
import { promotableFor, promotedNodes } from "../../src/cib/resources";
import { first, parseXml } from "../../src/xml";

/** Real Pacemaker 2.1.5 output from the namespace lab (test/lab/capture-cib.ts): delta is DC and Promoted, alpha the peer. */
const FIX = join(__dirname, "fixtures/cib");
const raw = (name: string, kind: "cib" | "mon") => readFileSync(join(FIX, `${name}.${kind}.xml`), "utf8");
const cib = (name: string) => parseXml(raw(name, "cib"));
const mon = (name: string) => parseXml(raw(name, "mon"));

/** The same CIB as a Pacemaker 2.1.7+ DC writes it: epoch seconds (or 0) instead of booleans. */
const as217 = (xml: string) =>
  xml.replace(/<node_state [^>]*>/g, (tag) =>
    tag
      .replace(/in_ccm="true"/, 'in_ccm="1764655342"')
      .replace(/in_ccm="false"/, 'in_ccm="0"')
      .replace(/crmd="online"/, 'crmd="1764655343"')
      .replace(/crmd="offline"/, 'crmd="0"'),
  );

const STATES = [
  // fixture, alpha's condition; delta (the DC) is online throughout
  ["online", "online"],
  ["constraint", "online"],
  ["peer-unclean", "unclean"],
  ["peer-fenced", "clean-down"],
  ["peer-pacemaker-stopped", "pending"],
  ["peer-clean-down", "clean-down"],
] as const;

describe("node conditions from real 2.1.5 CIBs", () => {
  it.each(STATES)("%s: alpha is %s (cibadmin -Q, crm_mon, and the 2.1.7+ timestamp form agree)", (name, cond) => {
    const fromCib = cibNodes(cib(name));
    expect(fromCib.get("alpha")?.condition).toBe(cond);
    expect(fromCib.get("delta")?.condition).toBe("online");
    expect(monNodes(mon(name)).get("alpha")?.condition).toBe(cond);
    expect(cibNodes(parseXml(as217(raw(name, "cib")))).get("alpha")?.condition).toBe(cond);
  });

  it.each([
    [undefined, "unknown"],
    [{}, "unknown"],
    [{ in_ccm: "garbage", crmd: "online", join: "member", expected: "member" }, "unknown"],
    [{ in_ccm: "true", crmd: "online", join: "banned", expected: "member" }, "unclean"],
    [{ in_ccm: "true", crmd: "online", join: "pending", expected: "member" }, "pending"],
    [{ in_ccm: "true", crmd: "online", join: "member" }, "pending"],
    [{ in_ccm: "false", crmd: "offline", join: "down" }, "clean-down"],
    [{ in_ccm: "true", crmd: "offline", join: "member", expected: "member" }, "unclean"],
    [{ in_ccm: "1", crmd: "0", join: "down", expected: "member" }, "unclean"],
    [{ in_ccm: "1764655342", crmd: "1764655343", join: "member", expected: "member" }, "online"],
    [{ in_ccm: "0", crmd: "0", join: "down", expected: "down" }, "clean-down"],
    [{ in_ccm: "1764655342", crmd: "bogus", join: "member", expected: "member" }, "unclean"],
  ])("node_state %j → %s", (attrs, cond) => {
    expect(classifyNodeState(attrs).condition).toBe(cond);
  });
});

describe("quorum, options, resources", () => {
  it("quorum: <cib have-quorum> and crm_mon's <current_dc with_quorum>", () => {
    for (const [name] of STATES) {
      expect(cibQuorum(cib(name))).toBe(true);
      expect(monQuorum(mon(name))).toBe(true);
    }
    expect(cibQuorum(cib("no-quorum"))).toBe(false);
    expect(monQuorum(mon("no-quorum"))).toBe(false);
    expect(cibQuorum(parseXml("<cib/>"))).toBeUndefined();
    expect(monQuorum(parseXml('<pacemaker-result><summary><current_dc present="false"/></summary></pacemaker-result>'))).toBeUndefined();
  });

  it("stonith-enabled", () => {
    expect(stonithEnabled(cib("online"))).toBe(true);
    const off = raw("online", "cib").replace('name="stonith-enabled" value="true"', 'name="stonith-enabled" value="false"');
    expect(off).not.toBe(raw("online", "cib"));
    expect(stonithEnabled(parseXml(off))).toBe(false);
  });

  it("the promotable clone of drbd_resource=r0", () => {
    expect(promotableFor(cib("online"), "r0")).toEqual({ ok: true, clone: "ms_drbd_r0", primitive: "p_drbd_r0" });
    expect(promotableFor(cib("online"), "r1")).toEqual({ ok: false, reason: "no promotable clone of a primitive with drbd_resource=r1" });
    const notPromotable = raw("online", "cib").replace('name="promotable" value="true"', 'name="promotable" value="false"');
    expect(promotableFor(parseXml(notPromotable), "r0").ok).toBe(false);
    const legacy = `<cib><configuration><resources><master id="ms_r0"><primitive id="p_r0" class="ocf" provider="linbit" type="drbd">
      <instance_attributes id="ia"><nvpair id="n" name="drbd_resource" value="r0"/></instance_attributes></primitive></master>
      <clone id="c2"><meta_attributes id="m2"><nvpair id="m2p" name="promotable" value="yes"/></meta_attributes>
      <primitive id="p2" class="ocf" provider="hanfs" type="drbd"><instance_attributes id="ia2"><nvpair id="n2" name="drbd_resource" value="r2"/></instance_attributes></primitive></clone>
      </resources></configuration></cib>`;
    expect(promotableFor(parseXml(legacy), "r0")).toEqual({ ok: true, clone: "ms_r0", primitive: "p_r0" });
    expect(promotableFor(parseXml(legacy), "r2")).toEqual({ ok: true, clone: "c2", primitive: "p2" });
    expect(promotableFor(parseXml(legacy.replace('value="r2"', 'value="r0"')), "r0")).toEqual({ ok: false, reason: "several promotable clones manage drbd_resource=r0: c2, ms_r0" });
  });

  it("where crm_mon shows the clone Promoted", () => {
    expect(promotedNodes(mon("online"), "ms_drbd_r0")).toEqual(["delta"]);
    expect(promotedNodes(mon("peer-unclean"), "ms_drbd_r0")).toEqual(["delta"]);
    expect(promotedNodes(mon("online"), "nope")).toEqual([]);
    expect(promotedNodes(parseXml(raw("online", "mon").replace(/role="Promoted"/g, 'role="Master"')), "ms_drbd_r0")).toEqual(["delta"]);
  });
});

describe("fence constraint", () => {
  const spec = { res: "r0", clone: "ms_drbd_r0", keep: ["delta"] };

  it("deterministic ids and XML", () => {
    expect(fenceIds("r0", "ms_drbd_r0")).toMatchObject({ constraint: "drbd-fence-by-handler-r0-ms_drbd_r0", rule: "drbd-fence-by-handler-r0-rule-ms_drbd_r0" });
    expect(fenceConstraintXml(spec)).toBe(fenceConstraintXml({ ...spec, keep: ["delta", "delta"] }));
    expect(fenceConstraintXml({ ...spec, keep: ["gamma", "alpha"] })).toBe(fenceConstraintXml({ ...spec, keep: ["alpha", "gamma"] }));
    expect(idPart("r/0:a%b")).toBe("r_2f0_3aa_25b");
    expect(idPart("r0.data_1-x")).toBe("r0.data_1-x");
    expect(fenceIds("r/0", "c").constraint).not.toBe(fenceIds("r:0", "c").constraint);
  });

  it("escapes what it embeds", () => {
    const x = parseXml(fenceConstraintXml({ res: "r0", clone: "ms", keep: ['a"b<c>&d'] }));
    expect(first(x, "expression")?.attrs.value).toBe('a"b<c>&d');
  });

  it("reads back as equivalent; rejects the other node", () => {
    const c = locationById(cib("constraint"), fenceIds("r0", "ms_drbd_r0").constraint);
    expect(c).toBeDefined();
    expect(classifyExisting(c, spec, "delta")).toBe("equivalent");
    expect(classifyExisting(c, { ...spec, keep: ["alpha"] }, "alpha")).toBe("rejects-me");
    expect(classifyExisting(c, { ...spec, keep: ["delta", "gamma"] }, "delta")).toBe("other");
    expect(classifyExisting(undefined, spec, "delta")).toBe("none");
    expect(locationById(cib("online"), fenceIds("r0", "ms_drbd_r0").constraint)).toBeUndefined();
  });

  it.each([
    ["linbit's 8.4 form with role Master and its own ids", `<rsc_location rsc="ms_drbd_r0" id="x"><rule role="Master" score="-INFINITY" id="y"><expression attribute="#uname" operation="ne" value="delta" id="z"/></rule></rsc_location>`, "equivalent", "rejects-me"],
    ["-inf spelled differently, attributes reordered", `<rsc_location id="x" rsc="ms_drbd_r0"><rule score="-infinity" id="y" role="Promoted" boolean-op="and"><expression value="delta" operation="ne" id="z" attribute="#uname"/></rule></rsc_location>`, "equivalent", "rejects-me"],
    ["another clone", `<rsc_location rsc="other" id="x"><rule role="Promoted" score="-INFINITY" id="y"><expression attribute="#uname" operation="ne" value="delta" id="z"/></rule></rsc_location>`, "other", "other"],
    ["not limited to Promoted", `<rsc_location rsc="ms_drbd_r0" id="x"><rule score="-INFINITY" id="y"><expression attribute="#uname" operation="ne" value="delta" id="z"/></rule></rsc_location>`, "other", "other"],
    ["a node attribute we cannot evaluate", `<rsc_location rsc="ms_drbd_r0" id="x"><rule role="Promoted" score="-INFINITY" id="y"><expression attribute="site" operation="ne" value="a" id="z"/></rule></rsc_location>`, "other", "other"],
    ["an or-rule that names delta", `<rsc_location rsc="ms_drbd_r0" id="x"><rule role="Promoted" score="-INFINITY" boolean-op="or" id="y"><expression attribute="#uname" operation="eq" value="delta" id="z"/><expression attribute="#uname" operation="eq" value="gamma" id="w"/></rule></rsc_location>`, "rejects-me", "other"],
  ])("%s: %s for delta, %s for alpha", (_, xml, forDelta, forAlpha) => {
    const el = first(parseXml(xml), "rsc_location");
    expect(classifyExisting(el, spec, "delta")).toBe(forDelta);
    expect(classifyExisting(el, { ...spec, keep: ["alpha"] }, "alpha")).toBe(forAlpha);
  });

  /** Pacemaker 2.1.5 itself, offline on a copy of a real CIB: the schema accepts it and the scheduler bans only the peer. */
  it.each(["Promoted", "Master"])("cibadmin takes it (role=%s) and crm_mon lists the Promoted-only ban for the peer alone", (role) => {
    const dir = mkdtempSync(join(tmpdir(), "hanfs-cib-"));
    try {
      const file = join(dir, "cib.xml");
      writeFileSync(file, raw("online", "cib"));
      const env = { ...process.env, CIB_file: file, LC_ALL: "C" };
      const xml = fenceConstraintXml(spec).replace('role="Promoted"', `role="${role}"`);
      const add = spawnSync("cibadmin", ["--create", "-o", "constraints", "-X", xml], { env, encoding: "utf8", timeout: 20_000 });
      expect(add.status, add.stderr).toBe(0);
      const verify = spawnSync("crm_verify", ["--xml-file", file], { env, encoding: "utf8", timeout: 20_000 });
      expect(verify.status, verify.stderr).toBe(0);
      const m = spawnSync("crm_mon", ["-1", "--output-as=xml", "--include=bans"], { env, encoding: "utf8", timeout: 20_000 });
      expect(m.status, m.stderr).toBe(0);
      const bans = parseXml(m.stdout).children[0].children.find((c) => c.name === "bans")?.children ?? [];
      expect(bans.map((b) => b.attrs)).toEqual([expect.objectContaining({ resource: "ms_drbd_r0", node: "alpha", weight: "-1000000", "promoted-only": "true" })]);
      expect(classifyExisting(locationById(parseXml(readFileSync(file, "utf8")), fenceIds("r0", "ms_drbd_r0").constraint), spec, "delta")).toBe("equivalent");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
