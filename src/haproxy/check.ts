/**
 * haproxy `external-check command`: argv `<proxy_addr> <proxy_port> <server_addr> <server_port>`,
 * environment replaced by PATH + HAPROXY_*. Exit 0 = healthy; otherwise one line on stderr.
 * Deliberately imports nothing heavy (no commander/execa): it runs every `inter` per server.
 */
import { readFileSync } from "node:fs";
import { Deadline } from "../ocf/deadline";
import { defineProgram, runProgram } from "../programs/program";
import { ExitError } from "../programs/runtime";
import { writeErr, writeOut } from "../os/runtime";
import { ConfigError, type CheckSettings, DEFAULT_SETTINGS, parseConfig, settingsFor } from "./config";
import { probeNfs } from "./probe";

export const DEFAULT_CONF = "/etc/hanfs/haproxy-check.conf";

export function loadSettings(path: string, proxy?: string, server?: string): CheckSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { ...DEFAULT_SETTINGS };
    throw new ConfigError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return settingsFor(parseConfig(text, path), proxy, server);
}

type CheckCode = 0 | 1 | 2 | 3;

export const haproxyCheck = defineProgram<{ addr: string; port: number; s: CheckSettings }, CheckCode>({
  name: "haproxy-check",
  summary: "haproxy external-check: NFS RPC health of one server",
  env: {
    HAPROXY_PROXY_NAME: "backend name (selects the config section)",
    HAPROXY_SERVER_NAME: "server name (selects the config section)",
    HANFS_CHECK_CONF: `settings file (default ${DEFAULT_CONF}; absent = defaults)`,
  },
  codes: { 0: "healthy", 1: "the server answered wrongly", 2: "no usable answer (refused, timeout, garbage)", 3: "usage or configuration error" },
  // haproxy shows nothing but the exit code; stderr is what an operator sees running it by hand
  log: "stderr",
  failCode: 2,
  who: (args, env) => `haproxy-check ${env.HAPROXY_PROXY_NAME ?? "?"}/${env.HAPROXY_SERVER_NAME ?? "?"} ${args[2] ?? "?"}:${args[3] ?? "?"}`,
  setup(args, env) {
    const [, , addr, portStr] = args;
    if (args.length !== 4 || !addr || !/^\d+$/.test(portStr) || +portStr < 1 || +portStr > 65535)
      throw new ExitError(3, "usage: haproxy-check <proxy_addr> <proxy_port> <server_addr> <server_port> (as haproxy's external-check command)");
    try {
      return { addr, port: +portStr, s: loadSettings(env.HANFS_CHECK_CONF || DEFAULT_CONF, env.HAPROXY_PROXY_NAME, env.HAPROXY_SERVER_NAME) };
    } catch (e) {
      throw new ExitError(3, `config: ${(e as Error).message}`);
    }
  },
  // the probe bounds itself by timeout-ms; the watchdog is belt and braces so nothing outlives haproxy's patience
  limits: ({ s }) => ({ deadline: Deadline.within(s.timeoutMs), graceMs: 250 }),
  async run({ addr, port, s }) {
    const r = await probeNfs(addr, port, s);
    if (!r.healthy) throw new ExitError(r.code, `DOWN: ${r.reason} (${r.ms} ms)`);
    return r.code;
  },
});

/** In-process entry for tests: stderr lines go to `err` (without their newline). */
export function main(args: string[], env: NodeJS.ProcessEnv, err: (l: string) => void = (l) => writeErr(l + "\n")): Promise<number> {
  return runProgram(haproxyCheck, args, env, { out: writeOut, err: (s) => err(s.replace(/\n$/, "")) });
}
