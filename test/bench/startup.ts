import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sh } from "../lib/sh";
import { dropCache, execsOf, rssOf, timeDetailed, type Cmd } from "./lib";

const ROOT = resolve(__dirname, "../..");
export const BUN_BIN = join(ROOT, "dist/hanfs");
/** The Node SEA of the same commit, built by `npm run bench` for this comparison only. */
export const NODE_BIN = join(ROOT, "dist/hanfs-node");
export const EXES = ["hanfs (Bun)", "hanfs (Node SEA)", "heartbeat"] as const;

export interface StartupRow {
  op: string;
  exe: string;
  ms: number;
  cpuMs: number;
  rssMb: number;
  execs: number;
}

/** Links named like the program (busybox dispatch) to the Node SEA, in `dir`/node. */
export function nodeLinks(dir: string, names: string[]): Record<string, string> {
  const d = join(dir, "node");
  mkdirSync(d, { recursive: true });
  return Object.fromEntries(names.map((n) => (symlinkSync(NODE_BIN, join(d, n)), [n, join(d, n)])));
}

/**
 * One operation on each executable, same run: median wall time and CPU (hyperfine, interleaved),
 * median peak RSS, execs per call. Commands are named by executable (EXES).
 */
export function measureStartup(op: string, cmds: Cmd[], within: string[] = []): StartupRow[] {
  const t = timeDetailed(cmds, 40, 3, within);
  return cmds.map((c) => ({ op, exe: c.name, ...t.get(c.name)!, rssMb: rssOf(c, within), execs: execsOf(c, within) }));
}

/**
 * Where a Bun monitor's start-up goes, same run: an empty Bun executable, the hanfs bundle loaded
 * and exiting at its first statement, the same after loading node:fs (the one built-in module a
 * depth-0 monitor needs), meta-data (agent modules initialised, XML written) and the monitor
 * itself. The helper executables are built here with the pinned Bun and the build's own flags.
 */
export async function breakdown(dir: string, env: Record<string, string>, metaData: string[], monitor: string[]): Promise<StartupRow[]> {
  const exe = async (name: string, js: string) => {
    writeFileSync(join(dir, `${name}.js`), js);
    await sh(["node", join(ROOT, "build/bun.mjs"), join(dir, `${name}.js`), join(dir, name)], { timeout: 120_000 });
    return join(dir, name);
  };
  const bundle = readFileSync(join(ROOT, "dist/hanfs.js"), "utf8");
  const cmds: Cmd[] = [
    { name: "empty Bun executable", argv: [await exe("empty", "process.exit(0);\n")], env, expect: 0 },
    { name: "hanfs bundle loaded, exits at once", argv: [await exe("loaded", `process.exit(0);\n${bundle}`)], env, expect: 0 },
    { name: "... after loading node:fs", argv: [await exe("fs", `require("node:fs");\nprocess.exit(0);\n${bundle}`)], env, expect: 0 },
    { name: "Filesystem meta-data", argv: metaData, env, expect: 0 },
    { name: "Filesystem monitor depth 0", argv: monitor, env, expect: 0 },
  ];
  for (const c of cmds.slice(0, 3)) await dropCache(c.argv[0]);
  const t = timeDetailed(cmds, 40, 3);
  return cmds.map((c) => ({ op: "breakdown", exe: c.name, ...t.get(c.name)!, rssMb: rssOf(c), execs: 1 }));
}

export function startupTable(rows: StartupRow[]) {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "-");
  console.log("\nstart-up, same run (median wall of 40 by hyperfine -N; CPU = user+sys; RSS = median peak resident set)");
  console.log(`${"operation".padEnd(28)} ${"executable".padEnd(18)} ${"median".padStart(9)} ${"CPU".padStart(9)} ${"max RSS".padStart(9)} ${"execs".padStart(5)} ${"÷ Node".padStart(7)} ${"÷ hb".padStart(6)}`);
  for (const r of rows.filter((x) => x.op !== "breakdown")) {
    const same = rows.filter((x) => x.op === r.op);
    const node = same.find((x) => x.exe === EXES[1]);
    const hb = same.find((x) => x.exe === EXES[2]);
    console.log(
      `${(r === same[0] ? r.op : "").padEnd(28)} ${r.exe.padEnd(18)} ${`${f(r.ms)} ms`.padStart(9)} ${`${f(r.cpuMs)} ms`.padStart(9)} ${`${f(r.rssMb)} MB`.padStart(9)} ${String(r.execs).padStart(5)} ${(node ? f(r.ms / node.ms, 2) : "-").padStart(7)} ${(hb ? f(r.ms / hb.ms, 2) : "-").padStart(6)}`,
    );
  }
  const b = rows.filter((x) => x.op === "breakdown");
  if (!b.length) return;
  console.log("\nwhere a Bun monitor's start-up goes (same run; each step is the difference to the line above)");
  b.forEach((r, i) => {
    const step = (x: number, y: number) => (i ? `${x - y >= 0 ? "+" : ""}${f(x - y)}` : "");
    console.log(`  ${r.exe.padEnd(36)} ${`${f(r.ms)} ms`.padStart(9)} ${step(r.ms, b[i - 1]?.ms).padStart(7)}   CPU ${`${f(r.cpuMs)} ms`.padStart(9)} ${step(r.cpuMs, b[i - 1]?.cpuMs).padStart(7)}   RSS ${`${f(r.rssMb)} MB`.padStart(8)}`);
  });
  // what is hanfs's own to cut: the monitor over an empty Bun executable (load-independent-ish in CPU)
  const [empty, mon] = [b[0], b[b.length - 1]];
  console.log(`  hanfs's own share of a monitor: ${f(mon.ms - empty.ms)} ms wall, ${f(mon.cpuMs - empty.cpuMs)} ms CPU (${f((mon.cpuMs - empty.cpuMs) / mon.cpuMs * 100, 0)} % of its CPU)`);
}
