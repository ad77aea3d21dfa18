// Development aid: run a command in a VM of the lab tools/hold.ts keeps up.
//   npx tsx test/vmlab/tools/x.ts VM 'shell text' [timeout seconds, default 120]
import { readFileSync } from "node:fs";
import { Qga } from "../lib/qga";

async function main() {
  const [vm, cmd, secs] = process.argv.slice(2);
  const hold = JSON.parse(readFileSync("/tmp/hanfs-vmlab-hold.json", "utf8"));
  const q = new Qga(hold.vms[vm], vm);
  try {
    const r = await q.exec(cmd, { timeoutMs: Number(secs ?? 120) * 1000, check: false });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.code !== 0) process.stderr.write(`[exit ${r.code}${r.timedOut ? ", timed out" : ""}]\n`);
    process.exitCode = r.code ?? 124;
  } finally {
    q.drop();
  }
}

main().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
