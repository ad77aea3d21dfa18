import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labProcesses } from "../lab/lib/leftovers";
import { Switch } from "../lab/lib/net";
import { reapStale, Run, running, sameProc, type Proc } from "../lab/lib/run";
import { PATH, until } from "../lib/sh";
import { ensureImage } from "./lib/image";
import { say, VmLab } from "./lib/lab";
import { Vm } from "./lib/vm";

const procsOf = (dir: string): Proc[] =>
  readFileSync(join(dir, "procs"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

// Teardown when things go wrong: a failed start, and a harness killed by SIGKILL.
describe("vm lab teardown", () => {
  it("a start that fails (guest agent deadline) leaves no QEMU, switch or file behind", async () => {
    const lab = new VmLab({ nodes: ["alpha"], client: false, bootDeadlineMs: 1000, warm: false, log: () => undefined });
    await expect(lab.start()).rejects.toThrow(/guest agent not ready/);
    expect(lab.run.procs.map((p) => p.what)).toContain("qemu-system-x86_64");
    expect(labProcesses(lab.run.procs, [lab.run.dir])).toEqual([]);
    expect(existsSync(lab.run.dir)).toBe(false);
  });

  it("a QEMU that cannot start fails at once with its own message", async () => {
    const run = new Run();
    const sw = new Switch(run);
    try {
      await sw.up();
      const vm = new Vm({ name: "alpha", index: 1, memMb: 256 }, { ...(await ensureImage()), kernel: "/nonexistent/vmlinuz" }, run, sw);
      await vm.create();
      const t0 = Date.now();
      await expect(vm.start()).rejects.toThrow(/QEMU exited at start: .*nonexistent/s);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      sw.kill();
      await sw.exited();
      run.destroySync();
    }
  });

  it("QEMU dies with a SIGKILLed harness (pdeathsig) and the next run reaps the rest", async () => {
    const child = spawn(join(__dirname, "../../node_modules/.bin/tsx"), [join(__dirname, "fixtures/orphan.ts")], { stdio: ["ignore", "pipe", "inherit"], env: { PATH, HOME: "/root" } });
    try {
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      const dir = await until("the orphan's run directory", 60_000, () => (out.includes("\n") ? (JSON.parse(out.split("\n")[0]).dir as string) : undefined), 100);
      const qemu = await until("the orphan's QEMU", 120_000, () => existsSync(join(dir, "procs")) && procsOf(dir).find((p) => p.what === "qemu-system-x86_64" && sameProc(p)), 200);
      const owner = JSON.parse(readFileSync(join(dir, "owner"), "utf8")) as { pid: number };
      process.kill(owner.pid, "SIGKILL");
      const t0 = Date.now();
      await until("every process of the orphan's run to die with it", 15_000, () => procsOf(dir).every((p) => !sameProc(p) || !running(p.pid)), 50);
      say(`orphaned QEMU ${qemu.pid} gone ${Date.now() - t0} ms after its harness was SIGKILLed`);
      expect(existsSync(dir)).toBe(true); // nobody ran down(): the directory is the reaper's
      reapStale();
      expect(existsSync(dir)).toBe(false);
      expect(labProcesses([qemu], [dir])).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
