import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { snapshotHanfs } from "../../lab/lib/cluster";
import { cibSeed, corosyncConf, newAuthkey, type ClusterFiles } from "../../lab/lib/files";
import { Switch } from "../../lab/lib/net";
import { Run } from "../../lab/lib/run";
import type { Result } from "../../lib/sh";
import { onlineNodes, parseStatus, waitForStatus, type Status } from "../../lab/lib/status";
import { FenceHost, type PowerSwitch } from "./fence";
import { ensureImage, type Image } from "./image";
import type { ExecOpts } from "./qga";
import { sparse, Vm } from "./vm";
import { findWarm, saveWarm } from "./warm";

export interface LabOpts {
  /** cluster node VMs (addresses .11, .12, ... in this order), default alpha and delta */
  nodes?: string[];
  /** a client VM (next address; it also runs haproxy in the seed's layout), default true */
  client?: boolean;
  /** one raw disk attached to every node VM (shared-disk cluster) */
  sharedDiskMb?: number;
  /** each VM's own data disk, default 256 MB */
  dataDiskMb?: number;
  nodeMemMb?: number;
  clientMemMb?: number;
  /** Corosync + Pacemaker on the nodes with fencing through the host (default false) */
  cluster?: boolean | ClusterOpts;
  bootDeadlineMs?: number;
  /** resume guests saved by an earlier run instead of booting them (default true; HANFS_VMLAB_WARM=0 turns it off) */
  warm?: boolean;
  log?: (line: string) => void;
}

export interface ClusterOpts {
  /** corosync totem token (ms); emulated guests on a shared machine need slack */
  tokenMs?: number;
  deadlineMs?: number;
  /** start corosync and pacemaker at every boot, so a fenced node rejoins by itself (default true) */
  enable?: boolean;
}

export const say = (l: string) => console.log(`[vmlab] ${l}`);
const secs = (ms: number) => Math.round(ms / 100) / 10;

/**
 * A lab of QEMU VMs on a private switch: node VMs alpha, delta (…) and a client, booted in
 * parallel from the cached image, hanfs installed from dist/hanfs, optionally a Corosync/Pacemaker
 * cluster whose fence device asks the host (FenceHost) to reset or power off VMs through QMP.
 * Everything it creates belongs to `run`: down(), the exit hook, or the next run's stale-run
 * reaper removes it (QEMU by PID, the switch namespace with its bridge and taps, the run directory).
 */
export class VmLab implements PowerSwitch {
  readonly run = new Run();
  readonly sw = new Switch(this.run);
  readonly fence = new FenceHost(this, join(this.run.dir, "fence.log"));
  vms: Vm[] = [];
  nodes: Vm[] = [];
  client?: Vm;
  image!: Image;
  sharedDisk?: string;
  /** seconds per phase of up() and down() */
  readonly phases: Record<string, number> = {};
  private log: (l: string) => void;

  constructor(private o: LabOpts = {}) {
    this.log = o.log ?? say;
  }

  static async up(o: LabOpts = {}): Promise<VmLab> {
    const lab = new VmLab(o);
    await lab.start();
    return lab;
  }

  /** Bring everything up; on any failure tear down what was made and rethrow. */
  async start() {
    try {
      await this.bringUp();
    } catch (e) {
      this.log(`up failed after: ${this.report()}`);
      await this.down().catch(() => undefined);
      throw e;
    }
  }

  private async phase<T>(name: string, f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      this.phases[name] = secs(Date.now() - t0);
    }
  }

  private async bringUp() {
    const o = this.o;
    this.image = await this.phase("image", () => ensureImage({ log: this.log }));
    this.log(`image ${this.image.key} ${this.image.built ? `built in ${secs(this.image.ms)} s` : "reused from the cache"} (kernel ${this.image.kver}; build phases ${JSON.stringify(this.image.phases)})`);
    const share = join(this.run.dir, "share");
    await this.phase("snapshot", () => snapshotHanfs(join(share, "hanfs")));
    if (o.sharedDiskMb) sparse((this.sharedDisk = join(this.run.dir, "shared.img")), o.sharedDiskMb);
    const names = o.nodes ?? ["alpha", "delta"];
    mkdirSync(join(this.run.dir, "vms"), { recursive: true });
    this.nodes = names.map(
      (name, i) =>
        new Vm(
          { name, index: i + 1, memMb: o.nodeMemMb ?? 768, dataDiskMb: o.dataDiskMb ?? 256, sharedDisk: this.sharedDisk, fenceSocket: join(this.run.dir, "vms", `${name}.fence`), share },
          this.image,
          this.run,
          this.sw,
        ),
    );
    if (o.client ?? true) this.client = new Vm({ name: "client", index: names.length + 1, memMb: o.clientMemMb ?? 512, dataDiskMb: o.dataDiskMb ?? 256, share }, this.image, this.run, this.sw);
    this.vms = [...this.nodes, ...(this.client ? [this.client] : [])];
    await this.sw.up();
    for (const n of this.nodes) await this.fence.listen(n.name, n.spec.fenceSocket!);
    await this.boot(o.warm ?? process.env.HANFS_VMLAB_WARM !== "0", o.bootDeadlineMs ?? 300_000);
    await this.phase("install", () => Promise.all(this.vms.map((v) => this.prepare(v))));
    if (o.cluster) await this.phase("cluster", () => this.startCluster(o.cluster === true ? {} : (o.cluster as ClusterOpts)));
    this.log(`up: ${this.report()}`);
  }

  /** Every VM started in parallel (resumed where a saved guest fits), agents answering; cold-booted ones saved for later runs. */
  private async boot(warm: boolean, deadlineMs: number) {
    const resumed = new Set<Vm>();
    await this.phase("start", () =>
      Promise.all(
        this.vms.map(async (v) => {
          if (await this.startVm(v, warm)) resumed.add(v);
        }),
      ),
    );
    await this.phase("agent", () =>
      Promise.all(
        this.vms.map(async (v) => {
          await v.waitAgent(deadlineMs);
          if (resumed.has(v)) await this.setClock(v);
        }),
      ),
    );
    this.log(this.vms.map((v) => (resumed.has(v) ? `${v.name} resumed` : `${v.name} booted (${v.bootCpuSeconds} QEMU CPU s)`)).join(", "));
    const cold = this.vms.filter((v) => !resumed.has(v));
    if (warm && cold.length) await this.phase("save", () => Promise.all(cold.map((v) => saveWarm(v, this.image.key))));
  }

  /** Resume `v` from a saved guest if there is one (true), else boot it. A saved guest that does not resume is dropped from the cache. */
  private async startVm(v: Vm, warm: boolean): Promise<boolean> {
    const w = warm ? await findWarm(v, this.image.key) : undefined;
    await v.create(w?.root);
    if (!w) {
      await v.start();
      return false;
    }
    try {
      await v.start(w.state);
      return true;
    } catch (e) {
      this.log(`${v.name}: the saved guest ${w.dir} did not resume (${(e as Error).message.slice(0, 300)}); dropping it and booting`);
      rmSync(w.dir, { recursive: true, force: true });
      await v.kill();
      rmSync(v.path("root.qcow2"));
      await v.newRoot();
      await v.start();
      return false;
    }
  }

  /** A resumed guest's clock is where it was saved: set it from the host's, and check. */
  private async setClock(v: Vm) {
    await v.qga.syncTime().catch(() => undefined); // it also runs hwclock, which bookworm's minbase lacks; the system clock is set anyway
    const guest = Number((await v.exec(["date", "+%s"], { timeoutMs: 30_000 })).stdout);
    if (Math.abs(guest - Date.now() / 1000) > 10) throw new Error(`${v.name}: guest clock ${guest} is off by more than 10 s after resume`);
  }

  /**
   * /etc/hosts naming every VM, and hanfs installed by its own installer. The binary comes from
   * the run's read-only 9p share, copied first to where the installer would put it (which then
   * only links the agents): run straight from 9p, its pages would be read 4 KiB at a time.
   */
  private async prepare(v: Vm) {
    const hosts = ["127.0.0.1 localhost", "::1 localhost", ...this.vms.map((x) => `${x.addr} ${x.name}`), ""].join("\n");
    await v.writeFile("/etc/hosts", hosts);
    await v.exec(
      "set -e; mkdir -p /mnt/hanfs /usr/lib/hanfs; mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=1048576 hanfs /mnt/hanfs; " +
        "cp /mnt/hanfs/hanfs /usr/lib/hanfs/hanfs.new; umount /mnt/hanfs; mv /usr/lib/hanfs/hanfs.new /usr/lib/hanfs/hanfs; /usr/lib/hanfs/hanfs install",
      { timeoutMs: 180_000 },
    );
  }

  vm(name: string): Vm {
    const v = this.vms.find((x) => x.name === name);
    if (!v) throw new Error(`no VM ${name}`);
    return v;
  }

  exec(name: string, cmd: string | string[], o?: ExecOpts): Promise<Result> {
    return this.vm(name).exec(cmd, o);
  }

  // PowerSwitch: what the fence channel may do (node VMs only)
  names() {
    return this.nodes.map((n) => n.name);
  }

  isOn(name: string) {
    return this.vm(name).isOn();
  }

  async power(name: string, action: "off" | "on" | "reboot") {
    const v = this.vm(name);
    if (action === "off") await v.powerOff();
    else if (action === "on") {
      if (!v.isOn()) await v.start();
    } else if (v.isOn()) await v.reset();
    else await v.start();
  }

  /** Corosync 3 (knet, two_node for two) + Pacemaker on the node VMs, fencing enabled with fence_hanfsvm; waits until all are online. */
  async startCluster(o: ClusterOpts = {}) {
    const files: ClusterFiles = {
      nodes: this.nodes.map((v) => ({ name: v.name, index: v.spec.index })),
      clusterName: "hanfs-vmlab",
      tokenMs: o.tokenMs ?? 3000,
      dcDeadtime: "5s",
      stonith: true,
      fenceAgent: "fence_hanfsvm",
    };
    const key = newAuthkey();
    // Enabled by wants-links: `systemctl enable` would also sync SysV links (perl) and reload
    // systemd, minutes under emulation on a busy host. --no-block: waitOnline() bounds the start.
    const units = ["corosync.service", "pacemaker.service"];
    const enable = o.enable ?? true ? units.map((u) => `ln -sf /lib/systemd/system/${u} /etc/systemd/system/multi-user.target.wants/${u}; `).join("") : "";
    await Promise.all(
      this.nodes.map(async (v) => {
        await v.writeFile("/etc/corosync/corosync.conf", corosyncConf(files));
        await v.writeFile("/etc/corosync/authkey", key, "0400");
        // once, corosync failed at the boot after a fence (and pacemaker with it: the node never
        // rejoined). Its journal went with the VM; the address comes from ip= and wait-online is
        // masked (boot time), so corosync may start before its address is on: it waits for it here
        // (writeFile syncs, for the other suspect: files lost to the reset)
        await v.writeFile("/etc/systemd/system/corosync.service.d/hanfs-vmlab.conf", "[Service]\nExecStartPre=/lib/systemd/systemd-networkd-wait-online --any --timeout=60\n");
        await v.writeFile("/var/lib/pacemaker/cib/cib.xml", cibSeed(files), "0600", "hacluster:haclient");
        await v.exec(`${enable}systemctl start --no-block ${units.join(" ")}`, { timeoutMs: 120_000 });
      }),
    );
    await this.waitOnline(this.nodes.length, o.deadlineMs ?? 240_000);
  }

  /** crm_mon XML from `on`, or from the first node VM that answers. */
  async status(on?: string): Promise<Status> {
    const cands = on ? [this.vm(on)] : this.nodes.filter((v) => v.isOn());
    let err: unknown = new Error("no node VM is on");
    for (const v of cands) {
      try {
        return parseStatus((await v.exec(["crm_mon", "-1", "--output-as=xml"], { timeoutMs: 20_000 })).stdout);
      } catch (e) {
        err = e;
      }
    }
    throw err;
  }

  waitFor(pred: (s: Status) => unknown, deadlineMs: number, what = "cluster state", on?: string): Promise<Status> {
    return waitForStatus(() => this.status(on), pred, deadlineMs, what, 1000);
  }

  waitOnline(count: number, deadlineMs: number, on?: string) {
    return this.waitFor((s) => !!s.dc && onlineNodes(s).length >= count, deadlineMs, `${count} nodes online with a DC`, on);
  }

  report(): string {
    return Object.entries(this.phases)
      .map(([k, v]) => `${k} ${v} s`)
      .join(", ");
  }

  /**
   * Everything off and gone: QEMU processes by PID, the switch namespace (bridge and taps die with
   * it), the run directory. Safe to call twice and after a failed up(). HANFS_VMLAB_LOGS=DIR keeps
   * the consoles, QEMU and fence logs of the run in DIR/<run id>/ first.
   */
  async down() {
    const t0 = Date.now();
    try {
      this.fence.close();
      await Promise.all(this.vms.map((v) => v.kill().catch(() => undefined)));
      if (this.sw.proc) {
        this.sw.kill();
        await this.sw.exited();
      }
      this.keepLogs();
    } finally {
      this.run.destroySync();
      this.phases.down = secs(Date.now() - t0);
    }
  }

  private keepLogs() {
    const to = process.env.HANFS_VMLAB_LOGS;
    if (!to) return;
    const dest = join(to, this.run.id);
    const keep = (from: string, name: string) => {
      try {
        mkdirSync(dest, { recursive: true });
        copyFileSync(from, join(dest, name));
      } catch {
        /* never made (a failed start) */
      }
    };
    for (const v of this.vms) {
      let logs: string[] = [];
      try {
        logs = readdirSync(v.dir).filter((x) => x.endsWith(".log"));
      } catch {
        /* never created */
      }
      for (const f of logs) keep(v.path(f), `${v.name}-${f}`);
    }
    keep(join(this.run.dir, "fence.log"), "fence.log");
  }
}
