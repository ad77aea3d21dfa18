/**
 * /etc/hanfs/haproxy-check.conf: optional per-server probe settings. Line format, strictly validated:
 *
 *   # comment
 *   [*]                    every server
 *   timeout-ms = 1500
 *   [nfs_servers]          every server of backend nfs_servers
 *   version = 4.1
 *   [nfs_servers/alpha]    one server (HAPROXY_PROXY_NAME/HAPROXY_SERVER_NAME)
 *   path = /export
 *
 * More specific sections win, whatever their order in the file.
 */

export type NfsVersion = "3" | "4.0" | "4.1" | "4.2";

export interface CheckSettings {
  /** protocol to verify: 3 = NULL on v3; 4.0 = NULL + COMPOUND(PUTROOTFH, LOOKUP path, GETATTR); 4.1/4.2 = NULL + empty COMPOUND of that minor */
  version: NfsVersion;
  /** "null" stops after the RPC NULL */
  probe: "null" | "compound";
  /** export path looked up below the v4 pseudo-root (4.0 only: later minors need a session) */
  path: string;
  /** total budget for connect + every call */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** whether NFS4ERR_GRACE counts as healthy (a server in grace is the right failover target) */
  grace: "up" | "down";
}

export const DEFAULT_SETTINGS: CheckSettings = {
  version: "4.0",
  probe: "compound",
  path: "/",
  timeoutMs: 1500,
  connectTimeoutMs: 1500,
  grace: "up",
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Partial_ = Partial<CheckSettings>;
export type CheckConfig = Map<string, Partial_>;

const ms = (v: string) => {
  if (!/^\d+$/.test(v) || +v < 50 || +v > 60000) throw new Error("must be whole milliseconds between 50 and 60000");
  return +v;
};
const oneOf = <T extends string>(...ok: T[]) => (v: string): T => {
  if (!(ok as string[]).includes(v)) throw new Error(`must be one of ${ok.join(", ")}`);
  return v as T;
};
const PARSERS: Record<string, (v: string, s: Partial_) => void> = {
  version: (v, s) => void (s.version = v === "4" ? "4.0" : oneOf<NfsVersion>("3", "4.0", "4.1", "4.2")(v)),
  probe: (v, s) => void (s.probe = oneOf("null", "compound")(v)),
  path: (v, s) => {
    const parts = v.split("/").filter((c) => c !== "");
    if (!v.startsWith("/") || parts.some((c) => c === "." || c === "..") || v.includes("\0"))
      throw new Error("must be an absolute path without . or .. components");
    s.path = "/" + parts.join("/");
  },
  "timeout-ms": (v, s) => void (s.timeoutMs = ms(v)),
  "connect-timeout-ms": (v, s) => void (s.connectTimeoutMs = ms(v)),
  grace: (v, s) => void (s.grace = oneOf("up", "down")(v)),
};

/** haproxy proxy/server names: letters, digits, '-', '_', '.', ':' */
const NAME = "[A-Za-z0-9_.:-]+";
const SECTION = new RegExp(`^\\[\\s*(\\*|${NAME}|${NAME}/${NAME})\\s*\\]$`);

export function parseConfig(text: string, file = "haproxy-check.conf"): CheckConfig {
  const conf: CheckConfig = new Map();
  const seen = new Set<string>();
  let section: string | undefined;
  text.split("\n").forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) return;
    const sec = SECTION.exec(line);
    if (sec) {
      section = sec[1];
      if (!conf.has(section)) conf.set(section, {});
      return;
    }
    const kv = /^([a-z-]+)\s*=\s*(\S+)$/.exec(line);
    if (!kv) throw new ConfigError(`${where}: expected "[section]" or "key = value", got "${raw.trim()}"`);
    if (!section) throw new ConfigError(`${where}: "${kv[1]}" outside any [section]`);
    const parse = PARSERS[kv[1]];
    if (!parse) throw new ConfigError(`${where}: unknown key "${kv[1]}" (known: ${Object.keys(PARSERS).join(", ")})`);
    if (seen.has(`${section}\0${kv[1]}`)) throw new ConfigError(`${where}: "${kv[1]}" set twice in [${section}]`);
    seen.add(`${section}\0${kv[1]}`);
    try {
      parse(kv[2], conf.get(section)!);
    } catch (e) {
      throw new ConfigError(`${where}: ${kv[1]} = ${kv[2]}: ${(e as Error).message}`);
    }
  });
  return conf;
}

/** Settings for one server: defaults < [*] < [proxy] < [proxy/server], then cross-checked. */
export function settingsFor(conf: CheckConfig, proxy?: string, server?: string): CheckSettings {
  const layers = ["*", proxy, proxy && server ? `${proxy}/${server}` : undefined].map((k) => (k ? conf.get(k) : undefined));
  const merged: Partial_ = {};
  for (const l of layers) Object.assign(merged, l);
  const s: CheckSettings = { ...DEFAULT_SETTINGS, ...merged };
  if (merged.connectTimeoutMs === undefined || s.connectTimeoutMs > s.timeoutMs) s.connectTimeoutMs = s.timeoutMs;
  if (s.version === "3" && merged.probe === undefined) s.probe = "null";
  const who = proxy && server ? `${proxy}/${server}` : "this server";
  if (s.version === "3" && s.probe === "compound") throw new ConfigError(`${who}: probe = compound needs NFSv4 (version 3 has no COMPOUND)`);
  if (s.path !== "/" && (s.version !== "4.0" || s.probe !== "compound"))
    throw new ConfigError(`${who}: path = ${s.path} needs version = 4.0 and probe = compound (4.1+ would need a session)`);
  return s;
}

/** Settings from key/value pairs (e.g. command-line flags), validated exactly like the file. */
export function settingsFromPairs(pairs: [string, string | undefined][], who = "options"): CheckSettings {
  const text = pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${v}`).join("\n");
  try {
    return settingsFor(parseConfig(`[*]\n${text}\n`, who));
  } catch (e) {
    throw new ConfigError(`${who}: ${(e as Error).message.replace(/^.*?:\d+: /, "")}`);
  }
}
