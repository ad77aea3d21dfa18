import { Command, CommanderError } from "commander";
import { AGENT_NAMES, isAgent, loadAgent, loadAllAgents } from "../../agents/index";
import { metaDataXml } from "../ocf/metadata";
import { runAgent } from "../ocf/runtime";
import { RUNTIME, writeErr, writeOut } from "../os/runtime";
import { VERSION } from "../version";
import { registerCrmConfig } from "./crm-config";
import { install, uninstall } from "./install";
import { registerStatus } from "./status";

/** The `hanfs` command line. Returns the exit code instead of exiting so tests can drive it. */
export async function cli(args: string[]): Promise<number> {
  let code = 0;
  const prog = new Command("hanfs")
    .description("hanfs: highly available NFS for Pacemaker clusters (OCF agents and health checks in one binary)")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .showHelpAfterError();

  prog
    .command("install")
    .description("install the binary under ROOT/usr/lib/hanfs and link every agent into ROOT/usr/lib/ocf/resource.d/hanfs")
    .option("--root <dir>", "install root", "/")
    .action((o: { root: string }) => {
      code = install(o.root, (l) => writeOut(l + "\n"));
    });
  prog
    .command("uninstall")
    .description("remove what `hanfs install` made under ROOT")
    .option("--root <dir>", "install root", "/")
    .action((o: { root: string }) => {
      code = uninstall(o.root, (l) => writeOut(l + "\n"));
    });
  prog
    .command("list")
    .description("list the agents this binary provides")
    .action(async () => {
      for (const [name, a] of Object.entries(await loadAllAgents())) writeOut(`ocf:hanfs:${name}\t${a.shortdesc}\n`);
    });
  prog
    .command("meta-data")
    .argument("<agent>", "agent name, e.g. Filesystem")
    .description("print an agent's OCF meta-data XML")
    .action(async (name: string) => {
      if (!isAgent(name)) {
        writeErr(`hanfs: unknown agent '${name}' (known: ${AGENT_NAMES.join(", ")})\n`);
        code = 2;
        return;
      }
      writeOut(metaDataXml(await loadAgent(name)));
    });
  prog
    .command("version")
    .description("print the hanfs version and the embedded JavaScript runtime")
    .action(() => {
      writeOut(`hanfs ${VERSION} (${RUNTIME})\n`);
    });
  prog
    .command("haproxy-agent")
    .description("answer haproxy agent-checks (up ready / drain / down #reason) from the local NFS server's RPC health")
    .requiredOption("--listen <addr:port>", "address to listen on, e.g. 198.51.100.11:5555")
    .option("--nfs <addr:port>", "local NFS server to probe", "127.0.0.1:2049")
    .option("--nfs-version <v>", "3, 4.0, 4.1 or 4.2 (default 4.0)")
    .option("--path <path>", "NFSv4.0 export path to LOOKUP (default /)")
    .option("--timeout-ms <ms>", "probe budget, keep below haproxy's agent-inter (default 800)")
    .option("--drain-file <file>", "answer drain while this file exists", "/run/hanfs/haproxy-agent.drain")
    .option("--cache-ms <ms>", "reuse a probe result this long", "1000")
    .action(async (o: import("../haproxy/agent").AgentFlags) => {
      code = await (await import("../haproxy/agent")).agentCommand(o);
    });
  registerCrmConfig(prog, (c) => (code = c));
  registerStatus(prog, (c) => (code = c));
  prog
    .command("ocf")
    .argument("<agent>")
    .argument("<action>")
    .description("run an agent action directly (what the OCF symlinks do)")
    .action(async (name: string, action: string) => {
      if (!isAgent(name)) {
        writeErr(`hanfs: unknown agent '${name}'\n`);
        code = 2;
        return;
      }
      code = await runAgent(await loadAgent(name), [action]);
    });

  try {
    await prog.parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
  return code;
}
