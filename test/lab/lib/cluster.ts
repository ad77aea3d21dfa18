import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { makeNodeDirs, newAuthkey, writeFenceAgent, type ClusterFiles } from "./files";
import { Switch } from "./net";
import { LAB_DIR, Node } from "./node";
import { Run } from "./run";
import { sh, until, type Result, type ShOpts } from "../../lib/sh";
import { onlineNodes, parseStatus, waitForStatus, type Status } from "./status";
import { SharedDisk } from "./storage";

export { summarize } from "./status";

export const HANFS = join(LAB_DIR, "../../dist/hanfs");
export const DEFAULT_NAMES = ["alpha", "delta", "gamma"];

export interface UpOpts {
  names?: string[];
  /** seed stonith-enabled=true with the lab fence device (default true) */
  stonith?: boolean;
  /** corosync totem token in ms */
  tokenMs?: number;
  dcDeadtime?: string;
  /** create the shared loop device (MB), default none */
  diskMb?: number;
  bootDeadlineMs?: number;
}

type NodeRef = Node | string | number;

/**
 * A real Corosync 3 + Pacemaker cluster of 2-3 namespace nodes on a private bridge. Everything it
 * creates is named after `run.id`; down() (and, failing that, the process exit hook or the next
 * run's stale-run reaper) removes all of it.
 */
export class Cluster {
  readonly run = new Run();
  readonly sw = new Switch(this.run);
  nodes: Node[] = [];
  disk?: SharedDisk;
  timings = { bootMs: 0, downMs: 0 };
  private cfgs = 0;

  private constructor(readonly files: ClusterFiles) {}

  static async up(n: number, o: UpOpts = {}): Promise<Cluster> {
    if (n < 2 || n > 3) throw new Error("a lab cluster has 2 or 3 nodes");
    if (!existsSync(HANFS)) throw new Error(`${HANFS} missing: run npm run build`);
    const names = (o.names ?? DEFAULT_NAMES).slice(0, n);
    const c = new Cluster({
      nodes: names.map((name, i) => ({ name, index: i + 1 })),
      clusterName: "hanfs-lab",
      tokenMs: o.tokenMs ?? Number(process.env.LAB_TOKEN_MS || 2000),
      dcDeadtime: o.dcDeadtime ?? "2s",
      stonith: o.stonith ?? true,
    });
    try {
      await c.start(o);
    } catch (e) {
      await c.down().catch(() => undefined);
      throw e;
    }
    return c;
  }

  private async start(o: UpOpts) {
    const dir = this.run.dir;
    // hanfs installed the way a package would: its own installer into a root we overlay on /usr/lib
    const bin = await snapshotHanfs(join(dir, "root/usr/lib/hanfs/hanfs"));
    await sh([bin, "install", "--root", join(dir, "root")], { timeout: 60_000 });
    writeFenceAgent(dir, join(LAB_DIR, "node/fence_hanfslab"), this.files.nodes.map((x) => x.name));
    mkdirSync(join(dir, "power"), { mode: 0o755 });
    const key = newAuthkey();
    for (const spec of this.files.nodes) makeNodeDirs(dir, this.files, spec, key);
    if (o.diskMb) {
      this.disk = new SharedDisk(this.run);
      await this.disk.create(o.diskMb);
    }
    await this.sw.up();
    this.nodes = this.files.nodes.map((spec) => new Node(spec, this.run, this.sw));
    await Promise.all(this.nodes.map((x) => x.boot()));
    const t0 = Date.now();
    await Promise.all(this.nodes.map((x) => x.startCluster()));
    await this.waitOnline(this.nodes.length, o.bootDeadlineMs ?? 60_000);
    this.timings.bootMs = Date.now() - t0;
  }

  node(ref: NodeRef): Node {
    if (typeof ref === "object") return ref;
    const n = typeof ref === "number" ? this.nodes[ref - 1] : this.nodes.find((x) => x.name === ref);
    if (!n) throw new Error(`no node ${ref}`);
    return n;
  }

  exec(ref: NodeRef, argv: string[], o?: ShOpts): Promise<Result> {
    return this.node(ref).exec(argv, o);
  }

  /** Load crm shell configuration text, or CIB XML (<cib>, <configuration> or its sections), as an update. */
  async crm(config: string, on?: NodeRef): Promise<Result> {
    const n = on ? this.node(on) : this.nodes.find((x) => x.isOn())!;
    const xml = config.trimStart().startsWith("<");
    if (xml && !/^\s*<cib[\s>]/.test(config)) {
      // crmsh loads XML only as a whole <cib>
      config = /^\s*<configuration[\s>]/.test(config) ? `<cib>${config}</cib>` : `<cib><configuration>${config}</configuration></cib>`;
    }
    const file = `cfg-${++this.cfgs}.${xml ? "xml" : "crm"}`;
    writeFileSync(join(n.dir, "home", file), config);
    return n.exec(["crm", "configure", "load", ...(xml ? ["xml"] : []), "update", `/root/${file}`], { timeout: 60_000 });
  }

  /** crm_mon XML from `on`, or from the first node that answers. */
  async status(on?: NodeRef): Promise<Status> {
    const cands = on ? [this.node(on)] : this.nodes.filter((x) => x.isOn());
    let err: unknown = new Error("no node is powered on");
    for (const n of cands) {
      try {
        const r = await n.exec(["crm_mon", "-1", "--output-as=xml"], { timeout: 10_000 });
        return parseStatus(r.stdout);
      } catch (e) {
        err = e;
      }
    }
    throw err;
  }

  /** Poll crm_mon XML until `pred` holds (returns the status that satisfied it) or the deadline passes. */
  waitFor(pred: (s: Status) => unknown, deadlineMs: number, what = "cluster state", on?: NodeRef): Promise<Status> {
    return waitForStatus(() => this.status(on), pred, deadlineMs, what);
  }

  waitOnline(count: number, deadlineMs: number, on?: NodeRef) {
    return this.waitFor((s) => !!s.dc && onlineNodes(s).length >= count, deadlineMs, `${count} nodes online with a DC`, on);
  }

  standby(ref: NodeRef) {
    return this.attr(ref, "on");
  }

  online(ref: NodeRef) {
    return this.attr(ref, "off");
  }

  private attr(ref: NodeRef, v: string) {
    const n = this.node(ref);
    const via = this.nodes.find((x) => x.isOn())!;
    return via.exec(["crm_attribute", "--node", n.name, "--name", "standby", "--update", v, "--lifetime", "forever"], { timeout: 20_000 });
  }

  /** SIGKILL a node's corosync, or all of its Pacemaker daemons (by PID, inside the node). */
  kill(ref: NodeRef, what: "corosync" | "pacemaker") {
    const names = what === "corosync" ? "corosync" : "pacemakerd pacemaker-based pacemaker-fenced pacemaker-execd pacemaker-attrd pacemaker-schedulerd pacemaker-controld";
    return this.node(ref).exec(["sh", "-c", `p=$(pidof ${names}) && kill -KILL $p`], { timeout: 10_000 });
  }

  powerOff(ref: NodeRef) {
    return this.node(ref).powerOff();
  }

  /** Boot a powered-off node (fresh /run, same /var/lib) and start its cluster stack. */
  async powerOn(ref: NodeRef) {
    const n = this.node(ref);
    await n.boot();
    await n.startCluster();
  }

  cutLink(ref: NodeRef) {
    return this.sw.setPort(this.node(ref).port, false);
  }

  healLink(ref: NodeRef) {
    return this.sw.setPort(this.node(ref).port, true);
  }

  /** Power everything off, detach the disk, delete the run. Safe to call twice and after a failed up. */
  async down() {
    const t0 = Date.now();
    try {
      await Promise.all(this.nodes.map((n) => n.powerOff().catch(() => undefined)));
      if (this.sw.proc) {
        this.sw.kill();
        await this.sw.exited();
      }
      await this.disk?.destroy();
    } finally {
      this.run.destroySync();
      this.timings.downMs = Date.now() - t0;
    }
  }
}

/**
 * Copy dist/hanfs where the installer would put it (the installer then leaves it and only links)
 * and check the copy runs: other engineers rebuild dist/hanfs at any time, and a copy taken
 * mid-build is not a working binary yet.
 */
export async function snapshotHanfs(to: string): Promise<string> {
  mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
  return until("a working dist/hanfs (a build may be in progress)", 120_000, async () => {
    copyFileSync(HANFS, to);
    chmodSync(to, 0o755);
    const r = await sh([to, "list"], { timeout: 10_000, check: false });
    return r.code === 0 && r.stdout.includes("ocf:hanfs:") ? to : undefined;
  }, 2000);
}
