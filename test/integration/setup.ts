import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { join } from "node:path";

/** test/run.sh passes the mount namespace it was started in; we must be in a different one. */
export default function setup() {
  if (process.getuid?.() !== 0) throw new Error("integration tests need root (they mount loop devices)");
  const host = process.env.HANFS_HOST_MNT_NS;
  if (!host || readlinkSync("/proc/self/ns/mnt") === host)
    throw new Error("refusing to run in the host's mount namespace: run them through `npm test` (test/run.sh uses unshare --mount)");
  execFileSync("node", [join(__dirname, "../../build/ensure-built.mjs")], { stdio: "inherit", timeout: 300_000 });
}
