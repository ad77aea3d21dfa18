import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAllAgents } from "../../agents/index";
import type { ParamDecls } from "../../src/ocf/declare";
import { metaDataXml } from "../../src/ocf/metadata";

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
});
