import { isAgent, loadAgent } from "../agents/index";
import { runAgent } from "./ocf/runtime";
import { writeErr } from "./os/runtime";

/**
 * One binary, many programs (busybox style): the name it was invoked by picks the program.
 * `/usr/lib/ocf/resource.d/hanfs/Filesystem monitor` runs an agent; `hanfs ...` is the CLI.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  // not node:path: under Bun every built-in module loaded costs start-up time on every call
  const name = (process.argv0 || "").replace(/^.*\//, "");
  if (name === "haproxy-check") return (await import("./haproxy/check")).main(args, process.env);
  if (isAgent(name)) return runAgent(await loadAgent(name), args);
  const { cli } = await import("./cli/index");
  return cli(args);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    writeErr(`hanfs: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
