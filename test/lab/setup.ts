import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { reapStale } from "./lib/run";

/** Once per lab run: root is required, dist/hanfs must be current, stale runs of crashed harnesses go. */
export default function setup() {
  if (process.getuid?.() !== 0) throw new Error("the lab needs root (namespaces, mounts, loop devices)");
  execFileSync("node", [join(__dirname, "../../build/ensure-built.mjs")], { stdio: "inherit", timeout: 300_000 });
  reapStale();
}
