import { benchFilesystem } from "./filesystem";
import { benchHaproxy } from "./haproxy";
import { benchNfsserver } from "./nfsserver";
import { sh, table, type Row } from "./lib";
import { BUN_BIN, NODE_BIN, startupTable, type StartupRow } from "./startup";

/** npm run bench: hanfs against the anchor agents, measured in the same run, as ratios. */
async function main() {
  const rows: Row[] = [];
  const verdicts: string[] = [];
  const startup: StartupRow[] = [];
  // the machine is shared: its load is part of every number below
  const load = () => sh(["uptime"]).trim();
  console.log(`${load()}\n${sh([BUN_BIN, "version"]).trim()} vs ${sh([NODE_BIN, "version"]).trim()}`);
  await benchFilesystem(rows, verdicts, startup);
  await benchNfsserver(rows, verdicts, startup);
  await benchHaproxy(rows, verdicts);
  table(rows);
  startupTable(startup);
  console.log(`\n${load()}`);
  console.log("");
  for (const v of verdicts) console.log(v);
  process.exitCode = verdicts.some((v) => v.startsWith("FAIL")) ? 1 : 0;
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 2;
});
