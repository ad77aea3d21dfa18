import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { all, parseXml } from "../../../src/xml";
import { sh, until } from "../../lib/sh";
import type { VmLab } from "./lab";
import type { Vm } from "./vm";

// The seed tutorial's failover test in the VM lab: what runs in the guests (DRBD preparation, the
// client's fsynced writer, its checksums) and what is read back afterwards (the CIB's operation
// history, haproxy's and the kernels' journals), as plain data for the scenario test to judge.

const secs = (ms: number) => Math.round(ms / 100) / 10;

/** The seed tutorial's topology on the lab's addresses (haproxy on the client VM), grace and lease 10 s. */
export const SEED_TOPOLOGY = {
  nodes: { alpha: "198.51.100.11", delta: "198.51.100.12" },
  drbd: { resource: "r0", device: "/dev/drbd0", disk: "/dev/vdb", port: 7788, version: "8.4" },
  filesystem: { directory: "/srv", fstype: "ext4" },
  // grace sized for emulation, as the op timeouts are: under TCG the group's start after nfsd plus
  // haproxy's UP takes longer than the seed's 10 s, and a client arriving after grace has nothing
  // to reclaim. Its length costs nothing when every known client reclaims: knfsd then ends it early.
  nfs: { server: "kernel", infodir: "/srv/nfs_shared", versions: "3,4", grace: 60, lease: 10 },
  // the seed's options, except sync: with async the server acknowledges COMMIT before the data is
  // on disk, and a crash loses what the client fsynced. insecure: haproxy connects from ports > 1023.
  exports: ["/srv/export 198.51.100.0/24(rw,nohide,insecure,no_subtree_check,sync,no_root_squash,fsid=1)"],
  fencing: { agent: "fence_hanfsvm" },
  frontend: { type: "haproxy", address: "198.51.100.13" },
};

/** What `hanfs crm-config` printed for the lab, and how crmsh took it. */
export interface SeedSetup {
  files: Record<"hanfs.crm" | "r0.res" | "haproxy.cfg", string>;
  load: { ms: number; stdout: string; stderr: string };
  verify: { code: number | null; stdout: string; stderr: string };
}

/**
 * The seed's stack from `hanfs crm-config`'s output for `topology` (rendered on the host by the
 * run's hanfs): r0 on both nodes, the crm configuration loaded with crmsh on the first node, and
 * haproxy on the client with the generated haproxy.cfg. Pacemaker then starts the stack.
 */
export async function setupSeed(lab: VmLab, topology: object): Promise<SeedSetup> {
  const out = join(lab.run.dir, "crm-config");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "topology.json"), JSON.stringify(topology));
  await sh([join(lab.run.dir, "share/hanfs"), "crm-config", "--config", join(out, "topology.json"), "--out-dir", out], { timeout: 60_000 });
  const f = (n: string) => readFileSync(join(out, n), "utf8");
  const files = { "hanfs.crm": f("hanfs.crm"), "r0.res": f("r0.res"), "haproxy.cfg": f("haproxy.cfg") };
  await prepareDrbd(lab, "/etc/drbd.d/r0.res", files["r0.res"], ["/srv/export", "/srv/nfs_shared"]);
  const first = lab.nodes[0];
  await first.writeFile("/root/hanfs.crm", files["hanfs.crm"]);
  const t = Date.now();
  const load = await first.exec(["crm", "configure", "load", "update", "/root/hanfs.crm"], { timeoutMs: 600_000 });
  const ms = Date.now() - t;
  const verify = await first.exec(["crm_verify", "-L"], { timeoutMs: 60_000, check: false });
  if (lab.client) {
    await lab.client.writeFile("/etc/haproxy/haproxy.cfg", files["haproxy.cfg"]);
    await lab.client.exec("haproxy -c -f /etc/haproxy/haproxy.cfg && systemctl restart haproxy.service", { timeoutMs: 120_000 });
  }
  return { files, load: { ms, stdout: load.stdout, stderr: load.stderr }, verify };
}

/**
 * r0 made from scratch on both nodes' fresh (all-zero) backing disks: metadata, connect, then the
 * bitmap cleared instead of a full initial sync (both disks are known identical: zeros), ext4 with
 * the seed's directories, and DRBD down again so that Pacemaker's agent is the one that starts it.
 */
export async function prepareDrbd(lab: VmLab, resFile: string, resText: string, dirs: string[]) {
  const [a, b] = lab.nodes;
  await Promise.all(
    lab.nodes.map(async (v) => {
      await v.writeFile(resFile, resText);
      await v.exec("modprobe drbd && drbdadm create-md --force r0 && drbdadm up r0", { timeoutMs: 120_000 });
    }),
  );
  await until("r0 connected on both nodes", 120_000, async () => /cs:Connected ro:Secondary\/Secondary ds:Inconsistent\/Inconsistent/.test(await proc(a)), 1000);
  await a.exec("drbdadm -- --clear-bitmap new-current-uuid r0", { timeoutMs: 60_000 });
  await until("r0 UpToDate on both nodes", 60_000, async () => /ds:UpToDate\/UpToDate/.test(await proc(b)), 500);
  await a.exec(`drbdadm primary r0 && mkfs.ext4 -q -F /dev/drbd0 && mount /dev/drbd0 /srv && mkdir -p ${dirs.join(" ")} && umount /srv && drbdadm secondary r0`, { timeoutMs: 180_000 });
  await Promise.all(lab.nodes.map((v) => v.exec("drbdadm down r0", { timeoutMs: 60_000 })));
}

export const proc = async (v: Vm) => (await v.exec(["cat", "/proc/drbd"], { timeoutMs: 20_000 })).stdout;

/**
 * The client's writer: chunk i is the line "chunk i of hanfs-writer" 512 times, written to its own
 * file and fsynced (`sync FILE`), then logged with the client's uptime. Everything but the sync is a
 * shell builtin: forks are slow under emulation, and the client VM also runs haproxy and its checks.
 */
const WRITER = `#!/bin/sh
dir=$1 log=$2 i=0
read up0 _ </proc/uptime
echo "clock $(date +%s.%N) $up0" >"$log"
while [ ! -e /run/hanfs-writer.stop ]; do
  s="chunk $i of hanfs-writer
"
  for _ in 1 2 3 4 5 6 7 8 9; do s="$s$s"; done
  if printf '%s' "$s" >"$dir/c.$i" && sync "$dir/c.$i"; then
    read up _ </proc/uptime
    echo "$i $up" >>"$log"
    i=$((i + 1))
  fi
done
echo stopped >>"$log"
`;
const WRITER_PATH = "/usr/local/bin/hanfs-writer";
const WRITER_LOG = "/run/hanfs-writer.log";

/** What chunk i holds (the writer's rule). */
export const chunkMd5 = (i: number) => createHash("md5").update(`chunk ${i} of hanfs-writer\n`.repeat(512)).digest("hex");

export interface Write {
  i: number;
  /** epoch seconds on the client's clock */
  t: number;
}

export class Writer {
  constructor(
    private client: Vm,
    private dir: string,
  ) {}

  async start() {
    await this.client.writeFile(WRITER_PATH, WRITER, "0755");
    await this.client.exec(`rm -f /run/hanfs-writer.stop ${WRITER_LOG} && mkdir -p ${this.dir} && setsid ${WRITER_PATH} ${this.dir} ${WRITER_LOG} </dev/null >/dev/null 2>&1 &`, { timeoutMs: 30_000 });
    await until("the writer's first fsynced write", 120_000, async () => (await this.writes()).length > 0, 500);
  }

  async writes(): Promise<Write[]> {
    const r = await this.client.exec(`cat ${WRITER_LOG} 2>/dev/null || true`, { timeoutMs: 30_000 });
    const [head, ...lines] = r.stdout.split("\n").filter(Boolean);
    if (!head) return [];
    const [, clock, up0] = head.split(" ").map(Number);
    return lines.filter((l) => l !== "stopped").map((l) => {
      const [i, up] = l.split(" ").map(Number);
      return { i, t: clock + (up - up0) };
    });
  }

  /** Stop after the current write completes; returns every completed write. */
  async stop(): Promise<Write[]> {
    await this.client.exec("touch /run/hanfs-writer.stop", { timeoutMs: 20_000 });
    await until("the writer to stop", 300_000, async () => (await this.client.exec(["tail", "-n1", WRITER_LOG], { timeoutMs: 20_000 })).stdout.trim() === "stopped", 500);
    return this.writes();
  }

  /** md5 of every chunk file under `dir` on `v` (the client over NFS, or the Primary's disk), in one call. */
  static async sums(v: Vm, dir: string): Promise<Map<number, string>> {
    const r = await v.exec(`cd ${dir} && md5sum c.*`, { timeoutMs: 300_000 });
    const out = new Map<number, string>();
    for (const l of r.stdout.split("\n")) {
      const m = /^([0-9a-f]{32})\s+c\.(\d+)$/.exec(l);
      if (m) out.set(Number(m[2]), m[1]);
    }
    return out;
  }
}

/** Longest gap between completed writes within [from, to] (seconds, client clock), and where it ended. */
export function longestGap(ws: Write[], from = -Infinity, to = Infinity): { gap: number; end: number } {
  let best = { gap: 0, end: NaN };
  for (let k = 1; k < ws.length; k++) {
    if (ws[k].t < from || ws[k - 1].t > to) continue;
    const g = ws[k].t - ws[k - 1].t;
    if (g > best.gap) best = { gap: g, end: ws[k].t };
  }
  return best;
}

/** One operation as the CIB's status section records it (lrm_rsc_op). */
export interface CibOp {
  node: string;
  rsc: string;
  task: string;
  interval: number;
  rc: number;
  /** epoch seconds (Pacemaker records whole seconds) */
  lastRcChange: number;
  execMs: number;
  queueMs: number;
}

export function parseCibOps(xml: string): CibOp[] {
  const doc = parseXml(xml);
  return all(doc, "node_state").flatMap((ns) =>
    all(ns, "lrm_resource").flatMap((r) =>
      all(r, "lrm_rsc_op").map((o) => ({
        node: ns.attrs.uname,
        rsc: r.attrs.id,
        task: o.attrs.operation,
        interval: Number(o.attrs.interval ?? 0),
        rc: Number(o.attrs["rc-code"]),
        lastRcChange: Number(o.attrs["last-rc-change"] ?? 0),
        execMs: Number(o.attrs["exec-time"] ?? 0),
        queueMs: Number(o.attrs["queue-time"] ?? 0),
      })),
    ),
  );
}

export async function cibOps(lab: VmLab, on?: string): Promise<CibOp[]> {
  const v = on ? lab.vm(on) : lab.nodes.find((n) => n.isOn())!;
  return parseCibOps((await v.exec(["cibadmin", "-Q"], { timeoutMs: 30_000 })).stdout);
}

/** The one-shot operations of `rscs` that finished at or after `since` (epoch s): the transition's critical path (fence devices move too, off it). */
export function opsSince(ops: CibOp[], since: number, rscs: string[]): CibOp[] {
  return ops.filter((o) => rscs.includes(o.rsc) && o.interval === 0 && o.task !== "monitor" && o.lastRcChange >= Math.floor(since)).sort((x, y) => x.lastRcChange - y.lastRcChange);
}

/** Journal entries of `v` since `sinceS` (epoch s) as JSON (unit or kernel), with their times in seconds. */
export async function journal(v: Vm, args: string[], sinceS: number): Promise<{ t: number; msg: string }[]> {
  const since = `@${Math.floor(sinceS)}`;
  // exit 1 with --grep is "no entries"; a journal too slow to answer must not read as an empty one
  const r = await v.exec(["journalctl", "-o", "json", "--no-pager", `--since=${since}`, ...args], { timeoutMs: 180_000, check: false });
  if (r.timedOut) throw new Error(`${v.name}: journalctl ${args.join(" ")} timed out`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .flatMap((l) => {
      try {
        const j = JSON.parse(l) as { __REALTIME_TIMESTAMP: string; MESSAGE: unknown };
        const msg = typeof j.MESSAGE === "string" ? j.MESSAGE : Array.isArray(j.MESSAGE) ? Buffer.from(j.MESSAGE as number[]).toString() : "";
        return [{ t: Number(j.__REALTIME_TIMESTAMP) / 1e6, msg }];
      } catch {
        return [];
      }
    });
}

/** haproxy's server state changes (option log-health-checks) seen on the client since `sinceS`. */
export async function haproxyChanges(client: Vm, sinceS: number) {
  const lines = await journal(client, ["-t", "haproxy", "--grep", "Server nfs_servers/"], sinceS);
  return lines.flatMap((l) => {
    // haproxy says each change twice (stderr and syslog); the syslog one has no "[WARNING]"
    const m = l.msg.includes("[WARNING]") ? null : /Server nfs_servers\/(\w+) is (UP|DOWN)/.exec(l.msg);
    return m ? [{ t: l.t, server: m[1], state: m[2] as "UP" | "DOWN" }] : [];
  });
}

/** knfsd's grace messages in `v`'s kernel log since `sinceS`: start, early end after reclaims, or skipped. */
export type GraceEvent = { t: number; what: "start" | "ended-early" | "skipped" };
const GRACE: [RegExp, GraceEvent["what"]][] = [
  [/NFSD: starting \d+-second grace period/, "start"],
  [/NFSD: all clients done reclaiming, ending NFSv4 grace period/, "ended-early"],
  [/NFSD: no clients to reclaim, skipping NFSv4 grace period/, "skipped"],
];
export async function graceEvents(v: Vm, sinceS: number): Promise<GraceEvent[]> {
  const lines = await journal(v, ["-k", "--grep", "NFSD: "], sinceS);
  return lines.flatMap((l) => GRACE.filter(([re]) => re.test(l.msg)).map(([, what]) => ({ t: l.t, what })));
}

/**
 * Samples both nodes in parallel every `everyMs`: DRBD Primary or not, /srv mounted or not. A
 * round where both say yes is a violation (the two reads are taken together, and a move takes
 * Pacemaker seconds, so a handover cannot look like one).
 */
export class Sampler {
  rounds = 0;
  readonly violations: string[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private lab: VmLab,
    private everyMs = 1500,
  ) {}

  start() {
    this.loop = (async () => {
      while (!this.stopped) {
        const t = Date.now();
        const seen = await Promise.all(
          this.lab.nodes.map(async (v) => {
            if (!v.isOn()) return { name: v.name, primary: false, mounted: false };
            try {
              const r = await v.exec("grep -c 'ro:Primary' /proc/drbd; grep -c ' /srv ' /proc/self/mountinfo", { timeoutMs: 10_000, check: false });
              const [p, m] = r.stdout.trim().split("\n").map(Number);
              return { name: v.name, primary: p > 0, mounted: m > 0 };
            } catch {
              return { name: v.name, primary: false, mounted: false };
            }
          }),
        );
        this.rounds++;
        if (seen.filter((s) => s.primary).length > 1) this.violations.push(`${new Date(t).toISOString()}: Primary on ${seen.filter((s) => s.primary).map((s) => s.name)}`);
        if (seen.filter((s) => s.mounted).length > 1) this.violations.push(`${new Date(t).toISOString()}: /srv mounted on ${seen.filter((s) => s.mounted).map((s) => s.name)}`);
        const wait = this.everyMs - (Date.now() - t);
        if (wait > 0 && !this.stopped) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  async stop() {
    this.stopped = true;
    await this.loop;
  }
}

/** One failover event's numbers, for the report. */
export interface EventReport {
  event: string;
  from: string;
  to: string;
  /** host: from the command to the group started on `to` (polled every second) */
  moveS: number;
  /** client: longest gap between completed fsynced writes around the event */
  stallS: number;
  /** CIB: the transition's one-shot operations, each with exec and queue time */
  ops: string[];
  agentS: number;
  queueS: number;
  /** CIB: from the first operation's start to the last one's end (whole seconds: Pacemaker's resolution) */
  criticalPathS: number;
  /** stall − critical path: haproxy, client reconnect and grace */
  protocolS: number;
  /** client: haproxy's DOWN/UP, seconds after the first write the stall held back */
  haproxy: string[];
  /** client: from haproxy marking `to` UP to the first completed write */
  upToWriteS?: number;
  /** new server's kernel: grace start → early end (s), or how grace went */
  grace: string;
  fenced: string[];
}

export function criticalPath(ops: CibOp[]) {
  if (!ops.length) return { agentS: 0, queueS: 0, spanS: 0 };
  const begin = Math.min(...ops.map((o) => o.lastRcChange - o.execMs / 1000));
  const end = Math.max(...ops.map((o) => o.lastRcChange));
  return {
    agentS: secs(ops.reduce((s, o) => s + o.execMs, 0)),
    queueS: secs(ops.reduce((s, o) => s + o.queueMs, 0)),
    spanS: Math.round((end - begin) * 10) / 10,
  };
}

/**
 * Cut (or mend) DRBD's replication link and nothing else: on every node, policy routing rules
 * blackhole TCP to or from `port` (packets of the established connection too: a new rule flushes
 * the sockets' cached routes), so Corosync, NFS and haproxy's checks go on.
 */
export async function replicationLink(lab: VmLab, state: "cut" | "mend", port = 7788) {
  const rules = ["dport", "sport"].map((f) => `ip rule ${state === "cut" ? "add" : "del"} ipproto tcp ${f} ${port} blackhole`);
  await Promise.all(lab.nodes.filter((v) => v.isOn()).map((v) => v.exec(rules.join(" && "), { timeoutMs: 30_000, check: state === "cut" })));
}

/** Exit codes of DRBD's fence-peer helper as `v`'s kernel logged them since `sinceS`. */
export async function fencePeerExits(v: Vm, sinceS: number): Promise<number[]> {
  const lines = await journal(v, ["-k", "--grep", "fence-peer"], sinceS);
  return lines.flatMap((l) => {
    const m = /helper command: \S+ fence-peer .* exit code (\d+)/.exec(l.msg);
    return m ? [Number(m[1])] : [];
  });
}
