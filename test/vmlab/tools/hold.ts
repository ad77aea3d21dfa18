// Development aid: bring a VM lab up and keep it until SIGINT/SIGTERM, so guests can be explored
// with `npx tsx test/vmlab/tools/x.ts VM 'command'` from another shell. The lab (QEMU, fencing,
// switch) lives in this process; it goes down with it (and by pdeathsig if this is SIGKILLed).
//   npx tsx test/vmlab/tools/hold.ts [--cluster] [--seed] [--data MB] [--shared MB] [--no-client]
// --seed: the seed's stack as seed.test.ts sets it up (implies --cluster).
import { rmSync, writeFileSync } from "node:fs";
import { say, VmLab } from "../lib/lab";
import { SEED_TOPOLOGY, setupSeed } from "../lib/seed";

export const HOLD_FILE = "/tmp/hanfs-vmlab-hold.json";

async function main() {
  const a = process.argv.slice(2);
  const num = (f: string) => (a.includes(f) ? Number(a[a.indexOf(f) + 1]) : undefined);
  const seed = a.includes("--seed");
  const lab = await VmLab.up({ cluster: seed || a.includes("--cluster"), sharedDiskMb: num("--shared"), dataDiskMb: num("--data") ?? (seed ? 512 : undefined), client: !a.includes("--no-client") });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    rmSync(HOLD_FILE, { force: true });
    await lab.down();
    say(`down: ${lab.report()}`);
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  if (seed) say(`seed: ${JSON.stringify(await setupSeed(lab, SEED_TOPOLOGY).catch((e) => String(e)))}`);
  for (const v of lab.vms) v.qga.drop(); // one agent connection at a time: x.ts takes it
  writeFileSync(HOLD_FILE, JSON.stringify({ pid: process.pid, run: lab.run.dir, vms: Object.fromEntries(lab.vms.map((v) => [v.name, v.qga.path])) }));
  say(`lab held (${HOLD_FILE}); ^C or kill ${process.pid} to tear down`);
  setInterval(() => undefined, 1 << 30);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
