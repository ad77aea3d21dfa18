import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAllAgents } from "../../agents/index";
import { defineAgent, type ParamDecls } from "../../src/ocf/declare";
import { metaDataXml, monitorRoleProblems } from "../../src/ocf/metadata";

const AGENTS = await loadAllAgents();
const DTD_DIR = "/usr/share/resource-agents";

describe.each(Object.keys(AGENTS))("meta-data of %s", (name) => {
  const xml = metaDataXml(AGENTS[name]);
  it("is committed and fresh in metadata/", () => {
    expect(readFileSync(join(__dirname, "../../metadata", `${name}.xml`), "utf8")).toBe(xml);
  });
  it("passes xmllint --valid against ra-api-1.dtd (what ocf-tester runs)", () => {
    expect(existsSync(join(DTD_DIR, "ra-api-1.dtd"))).toBe(true);
    const r = spawnSync("xmllint", ["--noout", "--valid", "-"], { cwd: DTD_DIR, input: xml, encoding: "utf8", timeout: 10_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
  it("declares every mandatory action and a default for every optional parameter", () => {
    for (const a of ["start", "stop", "monitor", "meta-data", "validate-all"]) expect(xml).toContain(`<action name="${a}"`);
    for (const [p, d] of Object.entries(AGENTS[name].params as ParamDecls)) if (!d.required) expect(d.default, p).not.toBeUndefined();
  });
  it("gives each role's monitor an interval of its own", () => {
    expect(monitorRoleProblems(AGENTS[name])).toEqual([]);
  });
});

describe("monitor rows of a promotable agent", () => {
  const agent = (monitor: Parameters<typeof defineAgent>[0]["actions"][string]) =>
    defineAgent({ name: "P", version: "1", shortdesc: "p", longdesc: "p", params: {}, actions: { monitor }, invalidParamsOnStop: "fail" });
  it("accepts Promoted and Unpromoted rows with distinct intervals (like Stateful: 10 s and 11 s)", () => {
    const ok = agent({ timeout: 20, interval: 10, role: "Promoted", variants: [{ timeout: 20, interval: 11, role: "Unpromoted" }, { timeout: 20, interval: 30 }] });
    expect(monitorRoleProblems(ok)).toEqual([]);
    expect(metaDataXml(ok)).toContain('<action name="monitor" timeout="20s" interval="11s" role="Unpromoted"/>');
  });
  it("rejects two roles on one interval, and a role on the role-less monitor's interval", () => {
    expect(monitorRoleProblems(agent({ timeout: 20, interval: 10, role: "Promoted", variants: [{ timeout: 20, interval: 10, role: "Unpromoted" }] }))).toEqual([
      "P: the Unpromoted monitor has interval 10, the same as the Promoted monitor",
    ]);
    expect(monitorRoleProblems(agent({ timeout: 20, interval: 20, variants: [{ timeout: 20, interval: 20, role: "Promoted" }, { timeout: 20, interval: 21, role: "Unpromoted" }] }))).toEqual([
      "P: the Promoted monitor has interval 20, the same as a monitor without role",
    ]);
  });
});
