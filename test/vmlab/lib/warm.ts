import { createHash } from "node:crypto";
import { join } from "node:path";
import { sh } from "../../lib/sh";
import { cacheRoot, publish, ready, touch } from "./cache";
import type { Vm } from "./vm";

/**
 * Warm starts. A boot costs a VM about 27 CPU-seconds under TCG (minutes of wall time when the
 * host is busy); resuming a saved guest costs a few. The first cold boot of a VM shape (image,
 * QEMU version, hardware, kernel command line — so name and address too) saves the guest right
 * after its agent answers, before anything run-specific happens in it; later runs resume that.
 * Power-ons and resets after the start are real boots.
 */
let qemuVersion: Promise<string> | undefined;

async function key(vm: Vm, imageKey: string): Promise<string> {
  qemuVersion ??= sh(["qemu-system-x86_64", "--version"], { timeout: 10_000 }).then((r) => r.stdout.split("\n")[0]);
  const h = createHash("sha256").update(imageKey).update(await qemuVersion).update(vm.shape());
  return `${imageKey}-warm-${vm.name}-${h.digest("hex").slice(0, 12)}`;
}

export interface Warm {
  dir: string;
  state: string;
  root: string;
}

export async function findWarm(vm: Vm, imageKey: string): Promise<Warm | undefined> {
  const dir = join(cacheRoot(), await key(vm, imageKey));
  if (!ready(dir)) return undefined;
  touch(dir);
  return { dir, state: join(dir, "state"), root: join(dir, "root.qcow2") };
}

/** Save `vm` (cold-booted, agent answering, nothing of the run in it yet) for later runs; false if another run was first. */
export async function saveWarm(vm: Vm, imageKey: string): Promise<boolean> {
  return publish(cacheRoot(), await key(vm, imageKey), (tmp) => vm.saveState(join(tmp, "state"), join(tmp, "root.qcow2")));
}
