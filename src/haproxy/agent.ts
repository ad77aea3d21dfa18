/**
 * haproxy agent-check responder: each TCP connection gets one line describing the local NFS
 * server — "up ready", "drain" (operator's drain file exists) or "down #reason" — then is closed.
 * Probes are shared: concurrent and recent askers reuse one result, so many haproxies cost one probe.
 */
import { existsSync } from "node:fs";
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { type CheckSettings, ConfigError, settingsFromPairs } from "./config";
import { type ProbeResult, probeNfs } from "./probe";

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(s: string, what: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m || +m[3] < 1 || +m[3] > 65535) throw new ConfigError(`${what}: expected ADDR:PORT (IPv6 as [ADDR]:PORT), got "${s}"`);
  return { host: m[1] ?? m[2], port: +m[3] };
}

export interface AgentOptions {
  listen: HostPort;
  nfs: HostPort;
  settings: CheckSettings;
  /** while this file exists the answer is "drain" (planned switch-over) */
  drainFile?: string;
  /** reuse a probe result this long (ms) */
  cacheMs: number;
  log?: (line: string) => void;
}

/** One line, no control characters, bounded: haproxy reads a single short line. */
function clean(reason: string): string {
  return reason.replace(/[\x00-\x1f\x7f]+/g, " ").slice(0, 200);
}

export function answerFor(r: ProbeResult, draining: boolean): string {
  if (!r.healthy) return `down #${clean(r.reason)}`;
  // "ready" lifts a drain this agent set earlier (haproxy keeps drain until told "ready")
  return draining ? "drain" : "up ready";
}

export interface RunningAgent {
  port: number;
  probes: number;
  close(): Promise<void>;
}

export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  let last: { at: number; r: ProbeResult } | undefined;
  let inflight: Promise<ProbeResult> | undefined;
  const state = { probes: 0 };
  const probe = (): Promise<ProbeResult> => {
    if (last && Date.now() - last.at < o.cacheMs) return Promise.resolve(last.r);
    if (!inflight) {
      state.probes++;
      inflight = probeNfs(o.nfs.host, o.nfs.port, o.settings).then((r) => {
        last = { at: Date.now(), r };
        inflight = undefined;
        if (!r.healthy) o.log?.(`haproxy-agent: local NFS ${o.nfs.host}:${o.nfs.port} DOWN: ${r.reason}`);
        return r;
      });
    }
    return inflight;
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.on("data", () => {}); // haproxy's agent-send text is not needed
    s.setTimeout(o.settings.timeoutMs + 2000, () => s.destroy());
    void probe().then((r) => {
      const draining = o.drainFile !== undefined && existsSync(o.drainFile);
      if (!s.destroyed) s.end(answerFor(r, draining) + "\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.listen.port, o.listen.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get probes() {
      return state.probes;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

export interface AgentFlags {
  listen: string;
  nfs: string;
  nfsVersion?: string;
  path?: string;
  timeoutMs?: string;
  drainFile: string;
  cacheMs: string;
}

/** `hanfs haproxy-agent`: serve until SIGTERM/SIGINT. Returns 2 on bad options, 1 if it cannot listen. */
export async function agentCommand(f: AgentFlags, say: (l: string) => void = (l) => void process.stderr.write(l + "\n")): Promise<number> {
  let o: AgentOptions;
  try {
    if (!/^\d+$/.test(f.cacheMs) || +f.cacheMs > 60000) throw new ConfigError(`--cache-ms: expected 0-60000, got "${f.cacheMs}"`);
    o = {
      listen: parseHostPort(f.listen, "--listen"),
      nfs: parseHostPort(f.nfs, "--nfs"),
      // below haproxy's agent timeout (agent-inter, 2 s by default): a late answer only counts as "agent failed"
      settings: settingsFromPairs([["version", f.nfsVersion], ["path", f.path], ["timeout-ms", f.timeoutMs ?? "800"]], "command line"),
      drainFile: f.drainFile || undefined,
      cacheMs: +f.cacheMs,
      log: say,
    };
  } catch (e) {
    say(`hanfs haproxy-agent: ${(e as Error).message}`);
    return 2;
  }
  let a: RunningAgent;
  try {
    a = await startAgent(o);
  } catch (e) {
    say(`hanfs haproxy-agent: cannot listen on ${f.listen}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  say(`hanfs haproxy-agent: listening on ${f.listen}, probing NFSv${o.settings.version} at ${f.nfs}`);
  await new Promise<void>((res) => {
    process.once("SIGTERM", res);
    process.once("SIGINT", res);
  });
  await a.close();
  return 0;
}
