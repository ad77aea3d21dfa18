import { benchFilesystem } from "./filesystem";
import { benchHaproxy } from "./haproxy";
import { benchNfsserver } from "./nfsserver";
import { baselineTable, options, table, type BaseRow, type Row } from "./lib";

/**
 * npm run bench: hanfs against the anchor agents, measured in the same run, as ratios.
 * `npm run bench -- --baseline OTHER/hanfs` also times another hanfs build's agents in the same
 * interleaved runs (this build against the previous commit's, for instance).
 */
async function main() {
  const args = process.argv.slice(2);
  const b = args.indexOf("--baseline");
  if (b >= 0) options.baseline = args[b + 1];
  if (b >= 0 && !options.baseline) throw new Error("--baseline needs the path of a hanfs binary");
  const rows: Row[] = [];
  const base: BaseRow[] = [];
  const verdicts: string[] = [];
  await benchFilesystem(rows, verdicts, base);
  await benchNfsserver(rows, verdicts, base);
  await benchHaproxy(rows, verdicts, base);
  table(rows);
  if (base.length) baselineTable(base);
  console.log("");
  for (const v of verdicts) console.log(v);
  process.exitCode = verdicts.some((v) => v.startsWith("FAIL")) ? 1 : 0;
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 2;
});
