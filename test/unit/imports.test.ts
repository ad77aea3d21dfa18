import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crossAgentImports, cycles, importGraph, sourceFiles, specifiersOf } from "../lib/import-graph";

/**
 * The import graph of the whole tree, type-only imports included: no cycle (the first value
 * import back into a cycle is `undefined` at init in the bundle), and no agent reaching into
 * another (what two agents share lives in src/).
 */
const root = resolve(__dirname, "../..");
const rel = (l: string[][]) => l.map((c) => c.map((f) => relative(root, f)));

describe("import graph of src, agents, build and test", () => {
  const g = importGraph(sourceFiles(["src", "agents", "build", "test"].map((d) => join(root, d))));
  const deps = (f: string) => [...g.get(join(root, f))!].map((d) => relative(root, d));
  it("is read: the registries import every agent and program (drbd and its handlers too), type imports count", () => {
    for (const a of ["Filesystem", "nfsserver", "exportfs", "drbd"]) expect(deps("agents/index.ts")).toContain(`agents/${a}/index.ts`);
    expect(deps("src/programs/index.ts")).toEqual(expect.arrayContaining(["src/haproxy/check.ts", "src/drbd/handler.ts"]));
    expect([...g.get(join(root, "agents/nfsserver/kernel/monitor.ts"))!].map((f) => relative(root, f))).toContain("agents/nfsserver/params.ts"); // import type
    expect(g.size).toBeGreaterThan(100);
  });
  it("has no cycle", () => {
    expect(rel(cycles(g))).toEqual([]);
  });
  it("has no agent importing another agent", () => {
    expect(crossAgentImports(g, root)).toEqual([]);
  });
});

describe("the checks find what they look for", () => {
  const dir = mkdtempSync(join(tmpdir(), "hanfs-imports-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (f: string, text: string) => {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), text);
  };
  it("reads every form of import, and not commented-out ones", () => {
    const src = `import { a } from "./a";\nimport type {\n  B,\n} from "./b";\nexport * from "./c";\nimport "./d";\nconst e = () => import("./e");\nconst f = require("./f");\n// import { g } from "./g";\n/* import "./h"; */\nconst url = "nfs://x"; import { i } from "./i";\n`;
    expect(specifiersOf(src).sort()).toEqual(["./a", "./b", "./c", "./d", "./e", "./f", "./i"]);
  });
  it("a planted cycle through a type-only import fails; so does an import of oneself", () => {
    put("agents/x/params.ts", `import type { Act } from "./act";\nexport const p = 1;\n`);
    put("agents/x/act.ts", `import type { p } from "./params";\nexport type Act = typeof p;\n`);
    put("agents/x/self.ts", `export * from "./self";\n`);
    put("agents/x/ok.ts", `import { p } from "./params";\n`);
    const found = cycles(importGraph(sourceFiles([dir]))).map((c) => c.map((f) => relative(dir, f)));
    expect(found).toContainEqual(["agents/x/act.ts", "agents/x/params.ts"]);
    expect(found).toContainEqual(["agents/x/self.ts"]);
    expect(found).toHaveLength(2);
  });
  it("a planted import of one agent by another fails", () => {
    put("agents/y/a.ts", `import type { p } from "../x/params";\n`);
    put("agents/index.ts", `const l = () => import("./y/a");\n`);
    expect(crossAgentImports(importGraph(sourceFiles([dir])), dir)).toEqual(["agents/y/a.ts → agents/x/params.ts"]);
  });
});
