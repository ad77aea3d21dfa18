import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster } from "./cluster";
import { DOWN, Haproxy, StateWatch, UP } from "./haproxy";
import { Host } from "./host";
import type { Node } from "./node";
import { until } from "../../lib/sh";

/**
 * haproxy in front of a lab cluster's NFS servers, on a host of its own, and an NFS client host
 * behind it: client → haproxy (PROXY) → alpha/delta, all on the lab switch (198.51.100.0/24).
 *
 * NFSv3 through a TCP proxy needs MOUNT as well as NFS: the client is told both ports (libnfs URL
 * `nfsport`/`mountport`, so no portmapper), haproxy forwards 2049 and 20048, and the mountd backend
 * follows the NFS backend's checks (`track`). NFSv4 needs 2049 only.
 */
export const PROXY = "198.51.100.10";
export const CLIENT = "198.51.100.20";
export const MOUNTD_PORT = 20048;
/** the health-check timing of build/haproxy-hanfs.cfg */
export const INTER_MS = 2000;
export const FALL = 2;
export const RISE = 2;

export interface Backend {
  name: string;
  addr: string;
}

/** build/haproxy-hanfs.cfg's shape: the first server serves, the others are backups; the hanfs external check. */
export function frontendConfig(servers: Backend[], exportPath: string): string {
  const line = (s: Backend, i: number, port: number, how: string) => `    server ${s.name} ${s.addr}:${port} ${how}${i ? " backup" : ""}`;
  return `defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 1h
    timeout server 1h
frontend nfs
    bind ${PROXY}:2049
    default_backend nfs_servers
frontend mountd
    bind ${PROXY}:${MOUNTD_PORT}
    default_backend mountd_servers
backend nfs_servers
    option log-health-checks
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command /usr/lib/hanfs/haproxy-check
    default-server inter ${INTER_MS / 1000}s fall ${FALL} rise ${RISE} on-marked-down shutdown-sessions
${servers.map((s, i) => line(s, i, 2049, `check${i ? "" : " on-marked-up shutdown-backup-sessions"}`)).join("\n")}
# NFSv3 MOUNT (${exportPath}) goes wherever NFS goes
backend mountd_servers
    default-server on-marked-down shutdown-sessions
${servers.map((s, i) => line(s, i, MOUNTD_PORT, `track nfs_servers/${s.name}`)).join("\n")}
`;
}

/** The proxy host (haproxy + hanfs installed as on a real one) and the client host, on `c`'s switch. */
export class Frontend {
  proxy!: Host;
  client!: Host;
  hap!: Haproxy;
  watch!: StateWatch;

  private constructor(private c: Cluster) {}

  /**
   * `exportPath` is what the external check LOOKUPs (NFSv4, /etc/hanfs/haproxy-check.conf on the
   * proxy host): a server is UP only once it serves that export, not merely once it answers.
   */
  static async up(c: Cluster, servers: Node[], exportPath: string): Promise<Frontend> {
    const f = new Frontend(c);
    f.proxy = await new Host("proxy", PROXY, c.run, c.sw).up();
    f.client = await new Host("client", CLIENT, c.run, c.sw).up();
    // /usr/lib/hanfs/haproxy-check as `hanfs install` made it for the nodes; haproxy gives the
    // check only PATH and HAPROXY_*, so its settings come from /etc/hanfs (an overlay on this host)
    await f.proxy.usrLib(join(c.run.dir, "root"));
    await f.proxy.etc({ "hanfs/haproxy-check.conf": `[nfs_servers]\npath = ${exportPath}\n` });
    await f.proxy.tmpRun();
    mkdirSync(join(c.run.dir, "proxy"), { recursive: true });
    f.hap = await new Haproxy(f.proxy, join(c.run.dir, "proxy")).start(frontendConfig(servers.map((n) => ({ name: n.name, addr: n.addr })), exportPath));
    f.watch = new StateWatch(f.hap, "nfs_servers").start();
    return f;
  }

  states() {
    return this.hap.serverStates("nfs_servers");
  }

  /** Wait until `up` is UP and every other server DOWN (runtime API); ms waited. */
  async settle(up: string, limitMs: number): Promise<number> {
    const t0 = Date.now();
    await until(`haproxy: ${up} UP, the others DOWN`, limitMs, async () => {
      const s = await this.states();
      return Object.entries(s).every(([n, st]) => st.op === (n === up ? UP : DOWN));
    }, 100);
    return Date.now() - t0;
  }

  /** Sessions haproxy has forwarded to each server of the NFS backend so far (`show stat` stot). */
  async sessions(): Promise<Record<string, number>> {
    const st = await this.hap.stat("nfs_servers");
    return Object.fromEntries(Object.entries(st).filter(([k]) => k !== "BACKEND").map(([k, r]) => [k, Number(r.stot)]));
  }

  /** Stop watching; power off the proxy (haproxy and any check in flight) and the client hosts. */
  async down() {
    this.watch?.stop();
    await this.proxy?.down();
    await this.client?.down();
  }
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export interface NfsLoopOpts {
  /** KiB per file (48) */
  kb?: number;
  /** file names are PREFIX00000.bin… ("f"): loops that share an export keep apart */
  prefix?: string;
  /**
   * NFSv3 ports: "fixed" names 2049 and MOUNTD_PORT in the URL (no portmapper, as a TCP proxy
   * needs); "portmapper" lets libnfs ask the server's rpcbind (a VIP in front of the server itself)
   */
  v3Ports?: "fixed" | "portmapper";
}

/**
 * The client: forever, write a new file (NFSv3, nfs-cp) then read the previous one back (NFSv4,
 * nfs-cat) through `server` (the haproxy proxy, a VIP, …); an iteration counts (okAt) once both
 * succeeded. Failed writes move to a new name (a refused SETATTR can leave the file behind). Every
 * call is bounded (a server that vanished mid-call costs 5 s, then a retry). libnfs 4.0's v4
 * writes over ~2.5 KB are broken, hence v3 for writing.
 */
export class NfsLoop {
  readonly acked = new Map<string, string>();
  readonly okAt: number[] = [];
  /** acknowledged writes (v3), whether or not the read-back of that iteration worked */
  readonly writeOkAt: number[] = [];
  writeErrors = 0;
  readErrors = 0;
  private stopped = false;
  private done?: Promise<void>;
  private readonly src: string;
  private readonly kb: number;
  private readonly prefix: string;
  private readonly v3Query: string;

  constructor(
    private client: Host,
    private server: string,
    private exportPath: string,
    dir: string,
    { kb = 48, prefix = "f", v3Ports = "fixed" }: NfsLoopOpts = {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.src = join(dir, "src.bin");
    this.kb = kb;
    this.prefix = prefix;
    this.v3Query = v3Ports === "fixed" ? `?nfsport=2049&mountport=${MOUNTD_PORT}` : "";
  }

  url(file: string, v: 3 | 4) {
    return `nfs://${this.server}${this.exportPath}/${file}${v === 4 ? "?version=4" : this.v3Query}`;
  }

  /** sha256 of a file read over NFSv4, or undefined. */
  async read(file: string, timeout = 5000): Promise<string | undefined> {
    // a failed read hashes what it got (often nothing): compared with the acked sum, it fails
    const r = await this.client.exec(["sh", "-c", 'nfs-cat "$1" | sha256sum', "sh", this.url(file, 4)], { timeout, check: false });
    const sum = r.stdout.split(" ")[0];
    return r.code === 0 && /^[0-9a-f]{64}$/.test(sum) ? sum : undefined;
  }

  start() {
    const pause = () => new Promise((r) => setTimeout(r, 100));
    this.done = (async () => {
      let prev: string | undefined;
      for (let i = 0; !this.stopped; i++) {
        const name = `${this.prefix}${String(i).padStart(5, "0")}.bin`;
        const data = randomBytes(this.kb * 1024);
        writeFileSync(this.src, data);
        const w = await this.client.exec(["nfs-cp", this.src, this.url(name, 3)], { timeout: 5000, check: false });
        if (w.code !== 0) {
          this.writeErrors++;
          await pause();
          continue;
        }
        this.acked.set(name, sha(data));
        this.writeOkAt.push(Date.now());
        if (prev && (await this.read(prev)) !== this.acked.get(prev)) {
          this.readErrors++;
          await pause();
          continue;
        }
        prev = name;
        this.okAt.push(Date.now());
      }
    })();
    return this;
  }

  async stop() {
    this.stopped = true;
    await this.done;
  }

  /** The longest gap between two successful iterations after `since` (ms), and when it began. */
  stall(since = 0) {
    return longestGap(this.okAt, since);
  }

  /** The same for acknowledged writes alone. */
  writeStall(since = 0) {
    return longestGap(this.writeOkAt, since);
  }

  /** Acknowledged files that do not read back intact over NFSv4 (names). */
  async badOverNfs(): Promise<string[]> {
    const bad: string[] = [];
    for (const [name, sum] of this.acked) if ((await this.read(name, 10_000)) !== sum) bad.push(name);
    return bad;
  }

  /** Acknowledged files that are not intact on `node`'s disk at `dir` (names). */
  async badOnDisk(node: Node, dir: string): Promise<string[]> {
    const r = await node.exec(["sh", "-c", 'cd "$1" && sha256sum "$2"*.bin', "sh", dir, this.prefix], { timeout: 30_000, check: false });
    const onDisk = new Map(r.stdout.trim().split("\n").map((l) => [l.split(/\s+/)[1], l.split(" ")[0]] as const));
    return [...this.acked].filter(([name, sum]) => onDisk.get(name) !== sum).map(([name]) => name);
  }
}

/** The longest gap between consecutive `times` (ascending) ending after `since`, and when it began. */
export function longestGap(times: number[], since = 0): { ms: number; from: number } {
  let ms = 0;
  let from = 0;
  for (let i = 1; i < times.length; i++) {
    if (times[i] < since) continue;
    const gap = times[i] - times[i - 1];
    if (gap > ms) [ms, from] = [gap, times[i - 1]];
  }
  return { ms, from };
}
