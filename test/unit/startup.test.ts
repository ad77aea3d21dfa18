import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_NAMES } from "../../agents/index";
import { PROGRAM_NAMES } from "../../src/programs/index";
import { reachableFrom } from "../lib/import-graph";

/**
 * Start-up cost is the product's hot path (a monitor every few seconds on every node, a haproxy
 * check every `inter` per server): which modules does one invocation load? Checked on the real
 * bundle, built here the way build/build.mjs builds it, and run by the name it is invoked as.
 */
const root = resolve(__dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "hanfs-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bundle = join(dir, "hanfs.js");
const preload = join(dir, "trace.js");

beforeAll(async () => {
  await build({ entryPoints: [join(root, "src/main.ts")], outfile: bundle, bundle: true, platform: "node", format: "cjs", logLevel: "warning", define: { __HANFS_VERSION__: '"0.0.0-test"' } });
  // Node's own record of every built-in module it loaded, written when the process exits
  writeFileSync(preload, `process.on("exit", () => require("fs").writeFileSync(process.env.HANFS_TRACE, JSON.stringify(process.moduleLoadList)));\n`);
}, 60_000);

/**
 * Public built-ins loaded by `<name> args` (env replaced by `env`), with its exit code. Output is
 * discarded: stdio on pipes would load net for the streams themselves.
 */
function loaded(name: string, args: string[], env: Record<string, string> = {}): { code: number | null; builtins: string[] } {
  const out = join(dir, `${name}.json`);
  const r = spawnSync(process.execPath, ["--require", preload, bundle, ...args], { argv0: name, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HA_LOGFACILITY: "none", ...env, HANFS_TRACE: out }, stdio: "ignore", timeout: 20_000 });
  const list: string[] = JSON.parse(readFileSync(out, "utf8"));
  return { code: r.status, builtins: list.filter((m) => m.startsWith("NativeModule ") && !m.includes("internal/")).map((m) => m.slice(13)) };
}

// each costs milliseconds to load (src/os/lazy.ts); none is needed before an action does its work
const EXPENSIVE = ["crypto", "net", "child_process", "tls", "http", "https", "zlib", "dns", "readline"];

describe("start-up cost of one invocation (bundled, traced)", () => {
  it.each(AGENT_NAMES)("%s: loading the agent and its runtime loads no expensive built-in", (name) => {
    // parameters that do not validate (nfsserver needs none: give it a bad one), so the monitor
    // ends at validation after the agent and the runtime are loaded, touching nothing on this host
    const r = loaded(name, ["monitor"], { OCF_RESKEY_server: "none-such" });
    expect(r.code).toBe(6);
    expect(r.builtins).toContain("fs"); // the trace works
    expect(r.builtins.filter((m) => EXPENSIVE.includes(m))).toEqual([]);
  });
  it.each(PROGRAM_NAMES)("%s: a usage error loads no expensive built-in", (name) => {
    const r = loaded(name, []);
    expect(r.code).not.toBe(0);
    expect(r.builtins.filter((m) => EXPENSIVE.includes(m))).toEqual([]);
  });
  it("the trace sees a lazily loaded built-in: the CLI loads what commander needs", () => {
    const r = loaded("hanfs", ["version"]);
    expect(r.code).toBe(0);
    expect(r.builtins).toContain("child_process"); // commander requires it
  });
});

describe("haproxy-check start-up cost", () => {
  it("imports neither commander nor execa (directly or transitively)", () => {
    const g = [...reachableFrom(join(root, "src/haproxy/check.ts"))];
    expect(g).toContain(join(root, "src/rpc/client.ts")); // the walk works
    expect(g.filter((x) => /commander|execa/.test(x))).toEqual([]);
  });
});
