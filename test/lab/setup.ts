import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { reapStale } from "./lib/run";

/** Once per lab run: root is required, dist/hanfs must be current, stale runs of crashed harnesses go. */
export default function setup() {
  if (process.getuid?.() !== 0) throw new Error("the lab needs root (namespaces, mounts, loop devices)");
  const bin = join(__dirname, "../../dist/hanfs");
  try {
    execFileSync("node", [join(__dirname, "../../build/ensure-built.mjs")], { stdio: "inherit", timeout: 300_000 });
  } catch (e) {
    // on a clean clone there is no older binary to fall back on, so a broken build still fails here
    if (!existsSync(bin)) throw e;
    console.warn(`\n[lab] WARNING: the build failed; testing the existing, older ${bin}\n`);
  }
  reapStale();
}
