import { benchFilesystem } from "./filesystem";
import { benchHaproxy } from "./haproxy";
import { benchNfsserver } from "./nfsserver";
import { table, type Row } from "./lib";

/** npm run bench: hanfs against the anchor agents, measured in the same run, as ratios. */
async function main() {
  const rows: Row[] = [];
  const verdicts: string[] = [];
  await benchFilesystem(rows, verdicts);
  await benchNfsserver(rows, verdicts);
  await benchHaproxy(rows, verdicts);
  table(rows);
  console.log("");
  for (const v of verdicts) console.log(v);
  process.exitCode = verdicts.some((v) => v.startsWith("FAIL")) ? 1 : 0;
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 2;
});
