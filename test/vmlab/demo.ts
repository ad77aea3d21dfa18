// npm run demo -- --vm: the seed's failover test on real DRBD 8.4 and kernel NFS (test/vmlab/seed.test.ts:
// three QEMU guests, tens of minutes under emulation), then its per-event report as a table.
import { mkdtempSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sh } from "../lib/sh";
import type { EventReport } from "./lib/seed";

const say = (s = "") => process.stdout.write(s + "\n");

export async function vmDemo(): Promise<number> {
  const logs = mkdtempSync(join(tmpdir(), "hanfs-vm-demo-"));
  say(`hanfs demo --vm: the seed's stack in QEMU guests (alpha, delta, client); consoles and journals in ${logs}`);
  const r = await sh(["npx", "vitest", "run", "--config", "test/vmlab/vitest.config.mts", "test/vmlab/seed.test.ts"], {
    timeout: 90 * 60_000,
    check: false,
    env: { ...process.env, HANFS_VMLAB_LOGS: logs },
  });
  say(r.stdout.split("\n").filter((l) => /\[vmlab\]|✓|×|Tests/.test(l)).join("\n"));
  const run = readdirSync(logs).find((d) => existsSync(join(logs, d, "seed-report.json")));
  const reports: EventReport[] = run ? JSON.parse(readFileSync(join(logs, run, "seed-report.json"), "utf8")) : [];
  say("\n| event | stall s | critical path s (agents s) | protocol s | haproxy UP→write s | grace | fenced |");
  say("|---|---|---|---|---|---|---|");
  for (const e of reports) say(`| ${e.event} ${e.from}→${e.to} | ${e.stallS} | ${e.criticalPathS} (${e.agentS}) | ${e.protocolS} | ${e.upToWriteS ?? "-"} | ${e.grace} | ${e.fenced.join(", ") || "no"} |`);
  say(r.code === 0 ? "\nall checks passed" : `\nFAILED (vitest exit ${r.code}); see ${logs}`);
  return r.code === 0 ? 0 : 1;
}
