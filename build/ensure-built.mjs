// Build dist/hanfs (or with --runtime=node dist/hanfs-node) when it is missing or older than any
// source file (used by bench and demo).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const node = process.argv.includes("--runtime=node");
const bin = join(root, node ? "dist/hanfs-node" : "dist/hanfs");
const newest = (d) =>
  readdirSync(d, { withFileTypes: true }).reduce((m, e) => {
    const p = join(d, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const srcTime = Math.max(newest(join(root, "src")), newest(join(root, "agents")), newest(join(root, "build")), statSync(join(root, "package-lock.json")).mtimeMs);
if (!existsSync(bin) || statSync(bin).mtimeMs < srcTime)
  execFileSync("node", [join(root, "build/build.mjs"), ...(node ? ["--runtime=node"] : [])], { cwd: root, stdio: "inherit" });
