/**
 * haproxy `external-check command`: argv `<proxy_addr> <proxy_port> <server_addr> <server_port>`,
 * environment replaced by PATH + HAPROXY_*. Exit 0 = healthy; otherwise one line on stderr.
 * Exit codes: 1 the server answered wrongly, 2 no usable answer, 3 usage or configuration error.
 * Deliberately imports nothing heavy (no commander/execa): it runs every `inter` per server.
 */
import { readFileSync } from "node:fs";
import { writeErr } from "../os/runtime";
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

export async function main(args: string[], env: NodeJS.ProcessEnv, err: (l: string) => void = (l) => writeErr(l + "\n")): Promise<number> {
  const proxy = env.HAPROXY_PROXY_NAME;
  const server = env.HAPROXY_SERVER_NAME;
  const [, , addr, portStr] = args;
  const who = `haproxy-check ${proxy ?? "?"}/${server ?? "?"} ${addr ?? "?"}:${portStr ?? "?"}`;
  if (args.length !== 4 || !addr || !/^\d+$/.test(portStr) || +portStr < 1 || +portStr > 65535) {
    err(`${who}: usage: haproxy-check <proxy_addr> <proxy_port> <server_addr> <server_port> (as haproxy's external-check command)`);
    return 3;
  }
  let s: CheckSettings;
  try {
    s = loadSettings(env.HANFS_CHECK_CONF || DEFAULT_CONF, proxy, server);
  } catch (e) {
    err(`${who}: config: ${(e as Error).message}`);
    return 3;
  }
  // belt and braces: the probe is bounded, but never let anything outlive haproxy's patience
  const guard = setTimeout(() => {
    err(`${who}: internal deadline ${s.timeoutMs + 250} ms passed`);
    process.exit(2);
  }, s.timeoutMs + 250);
  guard.unref();
  const r = await probeNfs(addr, +portStr, s);
  clearTimeout(guard);
  if (!r.healthy) err(`${who}: DOWN: ${r.reason} (${r.ms} ms)`);
  return r.code;
}
