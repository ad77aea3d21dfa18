import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../agents/index";
import { TOOLS, relations } from "../../build/deb/tools";
import { referCommonLicenses } from "../../build/deb/copyright";
import { roff } from "../../build/deb/man";

const ROOT = join(__dirname, "../..");
const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : f.endsWith(".ts") ? [join(d, f)] : []));
const source = (agent: string) => files(join(ROOT, "agents", agent)).map((f) => readFileSync(f, "utf8")).join("\n");

/** Programs an agent starts: first element of an argv literal handed to run/spawn/runStep/... */
function programsRun(text: string): Set<string> {
  const found = new Set<string>();
  const res = [
    /\b(?:run|runStep|mount|io|spawn)\(\s*(?:ctx,\s*)?\[\s*"([a-z][a-z0-9._-]*)"/g,
    /\bspawn\(\s*"([a-z][a-z0-9._-]*)"/g,
    /\bargv: \[\s*"([a-z][a-z0-9._-]*)"/g,
    /const argv = \[\s*"([a-z][a-z0-9._-]*)"/g,
    /\["nsenter", [^\]]*"--", "([a-z][a-z0-9._-]*)"/g,
    /"unshare", \["--uts", "--", "([a-z][a-z0-9._-]*)"/g,
  ];
  for (const re of res) for (const m of text.matchAll(re)) found.add(m[1]);
  return found;
}

describe("the .deb's tool table", () => {
  it.each(AGENT_NAMES)("lists every program ocf:hanfs:%s runs", (agent) => {
    const listed = new Set(TOOLS.filter((r) => r.program === agent).flatMap((r) => r.tools));
    const run = programsRun(source(agent));
    expect(run.size).toBeGreaterThan(0);
    expect([...run].filter((p) => !listed.has(p))).toEqual([]);
  });

  it.each(AGENT_NAMES)("lists for ocf:hanfs:%s only programs its source names", (agent) => {
    const text = source(agent);
    const stale = TOOLS.filter((r) => r.program === agent && !r.via)
      .flatMap((r) => r.tools)
      .filter((t) => !text.includes(`"${t}"`) && !text.includes(`"${t} `) && !text.includes(`${t}.service`) && !text.includes(`\`${t}`));
    expect(stale).toEqual([]);
  });

  it("gives each package its strongest relation, essential and PID-1-only tools none", () => {
    const r = relations(TOOLS);
    expect(r.depends).toContain("mount");
    expect(r.recommends).toEqual(expect.arrayContaining(["nfs-kernel-server", "drbd-utils", "pacemaker-cli-utils"]));
    expect(r.suggests).not.toContain("drbd-utils"); // recommended elsewhere, listed once
    for (const p of ["util-linux", "coreutils", "systemd", "hostname"]) expect([...r.depends, ...r.recommends, ...r.suggests]).not.toContain(p);
  });
});

describe("package texts", () => {
  it("roff: backslashes and leading dots cannot become requests", () => {
    expect(roff(".TH x\n'quote\na\\b -x")).toBe("\\&.TH x\n\\&'quote\na\\eb \\-x");
  });
  it("the runtime's copies of the Apache 2.0 text become references to common-licenses", () => {
    const t = "A\n   Apache License\n   Version 2.0, January 2004\n body\n   END OF TERMS AND CONDITIONS\n   APPENDIX\nB";
    expect(referCommonLicenses(t)).toBe("A\n   Apache License, Version 2.0: on Debian systems the complete text is in\n   /usr/share/common-licenses/Apache-2.0.\n   APPENDIX\nB");
  });
});
