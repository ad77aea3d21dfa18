// The pinned Bun (npm package @oven/bun-linux-x64, which ships the binary: nothing is downloaded) and
// the one way hanfs compiles with it. `node build/bun.mjs in.js out` compiles any script the same way
// (the benchmark's start-up breakdown does).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
export const BUN = join(dirname(require.resolve("@oven/bun-linux-x64/package.json")), "bin", "bun");

/**
 * --bytecode: JSC bytecode made at build time, so start-up skips parsing (about half of it).
 * --format=cjs: what --bytecode needs. --compile-jit-policy=10: functions tier up to the JIT
 * after 10x the usual number of runs, so a monitor (a few ms of JS) never starts the baseline
 * JIT: 0.7 MB less RSS, no CPU difference measured; hot loops of a long stop still get compiled.
 * No autoloading of .env or bunfig.toml from the working directory: an agent's environment is
 * what Pacemaker gives it, nothing else.
 */
export const BUN_FLAGS = ["--compile", "--bytecode", "--format=cjs", "--compile-jit-policy=10", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];

export function compileBun(js, exe) {
  execFileSync(BUN, ["build", ...BUN_FLAGS, js, "--outfile", exe], { stdio: ["ignore", "ignore", "inherit"] });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) compileBun(process.argv[2], process.argv[3]);
