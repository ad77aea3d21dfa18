import { isAgent, loadAgent } from "../agents/index";
import { countFromProcessStart } from "./ocf/deadline";
import { isProgram, loadProgram } from "./programs/index";
import { exit, stdio } from "./programs/runtime";

/**
 * One binary, many programs (busybox style): the name it was invoked by picks the program.
 * `/usr/lib/ocf/resource.d/hanfs/Filesystem monitor` runs an agent, `/usr/lib/hanfs/haproxy-check`
 * a helper of the registry in programs/index.ts; `hanfs ...` is the CLI.
 */
async function main(): Promise<number> {
  countFromProcessStart();
  const args = process.argv.slice(2);
  // not node:path: under Bun every built-in module loaded costs start-up time on every call
  const name = (process.argv0 || "").replace(/^.*\//, "");
  if (isAgent(name)) return (await import("./ocf/runtime")).runAgent(await loadAgent(name), args);
  if (isProgram(name)) return (await import("./programs/program")).runProgram(await loadProgram(name), args);
  const { cli } = await import("./cli/index");
  return cli(args);
}

main().then(
  (code) => exit(code),
  (e) => {
    stdio.err(`hanfs: ${e instanceof Error ? e.message : String(e)}\n`);
    exit(1);
  },
);
