import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../agents/index";
import { install, uninstall } from "../../src/cli/install";
import { Deadline } from "../../src/ocf/deadline";
import { PROGRAM_NAMES, loadProgram, programPath } from "../../src/programs/index";
import { defineProgram, runProgram } from "../../src/programs/program";
import { ExitError } from "../../src/programs/runtime";
import { capture } from "../lib/capture";

const root = resolve(__dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "hanfs-programs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const toy = defineProgram<{ what: string }, 0 | 3 | 4 | 5>({
  name: "toy-handler",
  summary: "t",
  env: { TOY_WHAT: "what to do" },
  codes: { 0: "done", 3: "usage", 4: "refused", 5: "internal error" },
  log: "syslog",
  failCode: 5,
  levelOf: (code) => (code === 4 ? "warn" : code === 0 ? "info" : "err"),
  who: (_args, env) => `toy-handler ${env.TOY_RES ?? "?"}`,
  setup(args, env) {
    if (args.length) throw new ExitError(3, "usage: toy-handler (no arguments)");
    return { what: env.TOY_WHAT ?? "ok" };
  },
  limits: () => ({ deadline: Deadline.within(5000), graceMs: 100 }),
  async run({ what }, { log, deadline }) {
    if (what === "refuse") throw new ExitError(4, "peer refused");
    if (what === "crash") JSON.parse("{");
    log.info(`did ${what} with ${deadline.remaining() > 0 ? "time left" : "no time"}`);
    return 0 as const;
  },
});

describe("program runtime (runProgram)", () => {
  const env = { TOY_RES: "r0", HA_LOGFACILITY: "none" };
  it("success: the program's code, its log lines tagged, no reason line", async () => {
    const io = capture();
    expect(await runProgram(toy, [], env, io)).toBe(0);
    expect(io.e).toBe("INFO: did ok with time left\n");
  });
  it("bad argv: the program's own code and one line naming it", async () => {
    const io = capture();
    expect(await runProgram(toy, ["x"], env, io)).toBe(3);
    expect(io.e).toBe("toy-handler r0: usage: toy-handler (no arguments)\n");
  });
  it("a failure: its code, logged at the level the program declares for it, one reason line", async () => {
    const io = capture();
    expect(await runProgram(toy, [], { ...env, TOY_WHAT: "refuse" }, io)).toBe(4);
    expect(io.e).toBe("WARNING: peer refused\ntoy-handler r0: peer refused\n");
  });
  it("a crash: the declared fail code, one line, no stack trace", async () => {
    const io = capture();
    expect(await runProgram(toy, [], { ...env, TOY_WHAT: "crash" }, io)).toBe(5);
    expect(io.e).toMatch(/^ERROR: internal error: .*JSON.*\ntoy-handler r0: internal error: /);
    expect(io.e).not.toMatch(/\n\s+at /);
  });
  it("a program that overruns its deadline is ended by the watchdog with the fail code and one line", () => {
    const file = join(dir, "hang.ts");
    writeFileSync(
      file,
      `import { Deadline } from ${JSON.stringify(join(root, "src/ocf/deadline"))};
import { defineProgram, runProgram } from ${JSON.stringify(join(root, "src/programs/program"))};
const hang = defineProgram<null, 0 | 9>({
  name: "hang", summary: "h", env: {}, codes: { 0: "ok", 9: "stuck" }, log: "stderr", failCode: 9,
  who: () => "hang", setup: () => null,
  limits: () => ({ deadline: Deadline.within(300), graceMs: 200 }),
  run: () => new Promise<0>((r) => setTimeout(() => r(0), 60_000)),
});
runProgram(hang, []).then((c) => process.exit(c));
`,
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(9);
    expect(r.stderr).toBe("hang: internal deadline 500 ms passed\n");
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 30_000);
});

describe("program registry", () => {
  it("declares every program's contract; no name is also an agent's", async () => {
    expect(PROGRAM_NAMES).toContain("haproxy-check");
    for (const name of PROGRAM_NAMES) {
      const p = await loadProgram(name);
      expect(p.name).toBe(name);
      expect(AGENT_NAMES).not.toContain(name);
      expect(Object.keys(p.env).length, name).toBeGreaterThan(0);
      expect(Object.keys(p.codes), name).toContain(String(p.failCode));
      expect(programPath(name)).toBe(`usr/lib/hanfs/${name}`);
    }
  });
  it("install links every agent and every program of the registries; uninstall removes them all", () => {
    const r = join(dir, "root");
    const self = join(dir, "fake-hanfs");
    writeFileSync(self, "#!/bin/sh\n");
    const said: string[] = [];
    process.env.HANFS_INSTALL_SELF = "1";
    try {
      expect(install(r, (l) => said.push(l), self)).toBe(0);
    } finally {
      delete process.env.HANFS_INSTALL_SELF;
    }
    for (const a of AGENT_NAMES) expect(readlinkSync(join(r, "usr/lib/ocf/resource.d/hanfs", a))).toBe("../../../hanfs/hanfs");
    for (const p of PROGRAM_NAMES) {
      const at = join(r, programPath(p));
      expect(lstatSync(at).isSymbolicLink()).toBe(true);
      expect(resolve(dirname(at), readlinkSync(at))).toBe(join(r, "usr/lib/hanfs/hanfs"));
    }
    expect(uninstall(r, (l) => said.push(l))).toBe(0);
    expect(existsSync(join(r, "usr/lib/hanfs"))).toBe(false);
    expect(readdirSync(join(r, "usr/lib/ocf/resource.d"))).toEqual([]);
  });
});
