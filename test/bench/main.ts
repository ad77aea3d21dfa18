import { benchFilesystem } from "./filesystem";
import { benchHaproxy } from "./haproxy";
import { benchNfsserver } from "./nfsserver";
import { sh } from "../lib/sh";
import { baselineTable, options, table, type BaseRow, type Row } from "./lib";
import { BUN_BIN, NODE_BIN, startupTable, type StartupRow } from "./startup";

const PARTS = ["filesystem", "nfsserver", "haproxy"] as const;
type Part = (typeof PARTS)[number];

/**
 * npm run bench: hanfs against the anchor agents, measured in the same run, as ratios.
 * `npm run bench -- --baseline OTHER/hanfs` also times another hanfs build's agents in the same
 * interleaved runs (this build against the previous commit's, for instance). `--only nfsserver`
 * (or filesystem, haproxy) runs that part alone, to look into one of its numbers.
 */
async function main() {
  const args = process.argv.slice(2);
  const b = args.indexOf("--baseline");
  if (b >= 0) options.baseline = args[b + 1];
  if (b >= 0 && !options.baseline) throw new Error("--baseline needs the path of a hanfs binary");
  const o = args.indexOf("--only");
  const only = o >= 0 ? args[o + 1] : undefined;
  if (o >= 0 && !PARTS.includes(only as Part)) throw new Error(`--only takes one of ${PARTS.join(", ")}`);
  const part = (p: Part) => !only || only === p;
  const rows: Row[] = [];
  const base: BaseRow[] = [];
  const verdicts: string[] = [];
  const startup: StartupRow[] = [];
  // the machine is shared: its load is part of every number below
  const out = async (argv: string[]) => (await sh(argv)).stdout.trim();
  console.log(`${await out(["uptime"])}\n${await out([BUN_BIN, "version"])} vs ${await out([NODE_BIN, "version"])}`);
  if (part("filesystem")) await benchFilesystem(rows, verdicts, startup, base);
  if (part("nfsserver")) await benchNfsserver(rows, verdicts, startup, base);
  if (part("haproxy")) await benchHaproxy(rows, verdicts, base);
  table(rows);
  startupTable(startup);
  if (base.length) baselineTable(base);
  console.log(`\n${await out(["uptime"])}`);
  console.log("");
  for (const v of verdicts) console.log(v);
  process.exitCode = verdicts.some((v) => v.startsWith("FAIL")) ? 1 : 0;
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 2;
});
