import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { sh } from "../lib/sh";

export const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface Cmd {
  name: string;
  argv: string[];
  env: Record<string, string>;
  /** exit code the command must give; a run that gives another one invalidates the benchmark */
  expect: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Median wall time of whole commands with hyperfine -N (spawned straight from a small native
 * process: a Node parent's fork would add the same few ms to both sides and hide the ratio).
 * Each command's environment is given to hyperfine itself. Two passes in opposite order, so slow
 * drift of the machine's load hits both alike; the median is over both passes.
 */
export function timeInterleaved(cmds: Cmd[], runs = 40, warmup = 3, within: string[] = []): Map<string, number> {
  return new Map([...timeDetailed(cmds, runs, warmup, within)].map(([k, v]) => [k, v.ms]));
}

/** timeInterleaved with CPU time too (user + system, mean of each pass, averaged). */
export function timeDetailed(cmds: Cmd[], runs = 40, warmup = 3, within: string[] = []): Map<string, { ms: number; cpuMs: number }> {
  const all = new Map(cmds.map((c) => [c.name, { times: [] as number[], cpu: [] as number[] }]));
  for (const order of [cmds, [...cmds].reverse()]) {
    for (const c of order) {
      const out = `/tmp/hanfs-bench-${process.pid}.json`;
      // `within` (e.g. nsenter into a test host) starts hyperfine there, so it is not timed
      const argv = [...within, "hyperfine", "-N", "-i", "-w", String(warmup), "-r", String(runs / 2), "--export-json", out, "--style", "none", c.argv.join(" ")];
      const r = spawnSync(argv[0], argv.slice(1), { env: c.env, stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 });
      if (r.status !== 0) throw new Error(`hyperfine ${c.name}: ${r.stderr}`);
      const res = JSON.parse(readFileSync(out, "utf8")).results[0];
      rmSync(out, { force: true });
      if (res.exit_codes.some((x: number) => x !== c.expect)) throw new Error(`${c.name}: exit ${res.exit_codes[0]}, expected ${c.expect}`);
      all.get(c.name)!.times.push(...res.times.map((t: number) => t * 1000));
      all.get(c.name)!.cpu.push((res.user + res.system) * 1000);
    }
  }
  return new Map([...all].map(([k, v]) => [k, { ms: median(v.times), cpuMs: v.cpu.reduce((a, b) => a + b, 0) / v.cpu.length }]));
}

/** Median peak resident set size (MB, ru_maxrss from GNU time) of `runs` runs of a command. */
export function rssOf(c: Cmd, within: string[] = [], runs = 10): number {
  const kb: number[] = [];
  for (let i = 0; i < runs; i++) {
    const argv = [...within, "/usr/bin/time", "-f", "rss=%M", ...c.argv];
    const r = spawnSync(argv[0], argv.slice(1), { env: c.env, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], timeout: 60_000 });
    const m = /rss=(\d+)\s*$/.exec(r.stderr);
    if (!m) throw new Error(`${c.name} under time: exit ${r.status} ${r.stderr}`);
    kb.push(Number(m[1]));
  }
  return median(kb) / 1024;
}

/**
 * Drop a file's pages from the page cache (written back first), as after a reboot. Pages a build
 * or install has just written sit in large folios that the kernel maps whole on a page fault, so
 * right after `npm run build` either binary shows ~20 % more RSS than the same binary read back.
 */
export async function dropCache(file: string) {
  await sh(["sync", file]);
  await sh(["dd", `if=${file}`, "iflag=nocache", "count=0", "status=none"]);
}

/** Same, timed from this process (fallback and for commands hyperfine cannot split). */
export function timeSpawned(cmds: Cmd[], runs = 40, warmup = 3): Map<string, number> {
  const times = new Map(cmds.map((c) => [c.name, [] as number[]]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of cmds) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.argv[0], c.argv.slice(1), { env: c.env, stdio: "ignore", timeout: 60_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== c.expect) throw new Error(`${c.name}: exit ${r.status}, expected ${c.expect}`);
      if (i >= warmup) times.get(c.name)!.push(ms);
    }
  }
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

/** Successful execve calls of one run, the command itself included (strace -f). */
export function execsOf(c: Cmd, within: string[] = []): number {
  const log = `/tmp/hanfs-bench-strace-${process.pid}`;
  const argv = [...within, "strace", "-f", "-qq", "-e", "trace=execve", "-o", log, ...c.argv];
  const r = spawnSync(argv[0], argv.slice(1), { env: c.env, stdio: "ignore", timeout: 60_000 });
  if (r.status !== c.expect) throw new Error(`${c.name} under strace: exit ${r.status}`);
  const n = readFileSync(log, "utf8").split("\n").filter((l) => /execve\(/.test(l) && /= 0$/.test(l)).length;
  rmSync(log, { force: true });
  return n;
}

/**
 * `--baseline <hanfs binary>` (e.g. the previous commit's dist/hanfs): its agents are timed in the
 * same interleaved runs as this build's, and a second table gives this build against it.
 */
export const options: { baseline?: string } = {};

/** This build against the baseline binary, same run: what each bench measured for both. */
export interface BaseRow {
  what: string;
  hanfs: number;
  baseline: number;
}

export function baselineTable(rows: BaseRow[]) {
  console.log(`\n${"this build vs --baseline (same run)".padEnd(48)} ${"hanfs".padStart(10)} ${"baseline".padStart(10)} ${"ratio".padStart(7)}`);
  for (const r of rows) console.log(`${r.what.padEnd(48)} ${`${r.hanfs.toFixed(1)} ms`.padStart(10)} ${`${r.baseline.toFixed(1)} ms`.padStart(10)} ${(r.hanfs / r.baseline).toFixed(2).padStart(7)}`);
}

/**
 * `bin install --root root`, its binary then dropped from the page cache (dropCache): this build
 * and --baseline's alike. A copy left as install wrote it maps ~5 MB more per run and takes ~90
 * fewer page faults (1690 vs 1780 for an nfsserver monitor), 5-15 % less CPU: when only this
 * build's copy was dropped, the baseline looked that much faster.
 */
export async function install(bin: string, root: string): Promise<string> {
  await sh([bin, "install", "--root", root], { timeout: 30_000 });
  await dropCache(`${root}/usr/lib/hanfs/hanfs`);
  return root;
}

/** The agent `name` of `bin` installed below `root` (install() first). */
export const agentPath = (root: string, name: string) => `${root}/usr/lib/ocf/resource.d/hanfs/${name}`;

export interface Row {
  what: string;
  hanfs: number;
  anchor: number;
  unit: string;
}

export function table(rows: Row[]) {
  console.log(`\n${"measure".padEnd(48)} ${"hanfs".padStart(10)} ${"anchor".padStart(10)} ${"ratio".padStart(7)}`);
  for (const r of rows) {
    const f = (x: number) => (Number.isFinite(x) ? `${x.toFixed(r.unit === "ms" ? 1 : 0)}${r.unit === "ms" ? " ms" : ""}` : "-");
    const ratio = Number.isFinite(r.hanfs / r.anchor) ? (r.hanfs / r.anchor).toFixed(2) : "-";
    console.log(`${r.what.padEnd(48)} ${f(r.hanfs).padStart(10)} ${f(r.anchor).padStart(10)} ${ratio.padStart(7)}`);
  }
}
