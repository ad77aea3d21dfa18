import type { ChildProcess } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { addrOf } from "../../lab/lib/files";
import { spawnIn } from "../../lab/lib/host";
import type { Switch } from "../../lab/lib/net";
import { running, sameProc, type Proc, type Run } from "../../lab/lib/run";
import { Fatal, sh, until, type Result } from "../../lib/sh";
import type { Image } from "./image";
import { Qga, type ExecOpts } from "./qga";
import { Qmp } from "./qmp";

/** TCG only: /dev/kvm here cannot run Debian's kernel (see the reference notes). */
const ACCEL = ["-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max"];

export interface VmSpec {
  name: string;
  /** 1-based: address 198.51.100.(10 + index), MAC 52:54:00:51:64:(index) */
  index: number;
  memMb: number;
  /** own raw data disk (/dev/vdb, /dev/disk/by-id/virtio-data) */
  dataDiskMb?: number;
  /** raw file attached as /dev/vdc (/dev/disk/by-id/virtio-shared) to several VMs at once */
  sharedDisk?: string;
  /** host socket of the fence channel (virtio-serial port org.hanfs.fence); the host listens on it */
  fenceSocket?: string;
  /** read-only 9p share (mount tag "hanfs") */
  share?: string;
}

/**
 * One QEMU VM of a lab run: qcow2 overlay over the cached rootfs (the cache stays pristine), raw
 * data disks, a tap on the run's switch (QEMU runs inside the switch's network namespace, so
 * nothing touches the host's network), serial console appended to console.log, the guest agent
 * and QMP on unix sockets in the VM's directory. QEMU is the harness's child (tracked by PID and
 * start time, dies with the harness by pdeathsig), never daemonized.
 */
export class Vm {
  readonly dir: string;
  readonly addr: string;
  readonly qga: Qga;
  readonly qmp: Qmp;
  proc?: Proc;
  boots = 0;
  /** QEMU CPU seconds until the guest agent first answered after the last start */
  bootCpuSeconds = 0;
  private child?: ChildProcess;
  private children: ChildProcess[] = [];

  constructor(
    readonly spec: VmSpec,
    private img: Image,
    private run: Run,
    private sw: Switch,
  ) {
    this.dir = join(run.dir, "vms", spec.name);
    this.addr = addrOf(spec.index);
    this.qga = new Qga(this.path("qga.sock"), spec.name);
    this.qmp = new Qmp(this.path("qmp.sock"), spec.name);
  }

  get name() {
    return this.spec.name;
  }

  path(f: string) {
    return join(this.dir, f);
  }

  /** Switch port: unique per run so a leftover on the host would be recognisable (15 characters at most). */
  get tap() {
    return `t${this.spec.index}${this.run.id}`.slice(0, 15);
  }

  get console() {
    const f = this.path("console.log");
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  }

  /** Disks and the cable; once per VM (power cycles keep both). `backing`: a saved root overlay (warm start) instead of the image. */
  async create(backing?: string) {
    mkdirSync(this.dir, { recursive: true });
    await this.newRoot(backing);
    if (this.spec.dataDiskMb) sparse(this.path("data.img"), this.spec.dataDiskMb);
    await this.sw.tap(this.tap);
  }

  /** A fresh copy-on-write root disk over `backing` (default the cached image, which stays pristine). */
  async newRoot(backing?: string) {
    const b = backing ?? this.img.rootfs;
    await sh(["qemu-img", "create", "-q", "-f", "qcow2", "-F", b.endsWith(".qcow2") ? "qcow2" : "raw", "-b", b, this.path("root.qcow2")], { timeout: 30_000 });
  }

  /** The VM's hardware and kernel command line without run-specific paths: saved states fit VMs of the same shape only. */
  shape(): string {
    const a = this.argv().map((x) => x.split(this.run.dir).join("RUN").split(this.img.dir).join("IMG").split(this.tap).join("TAP"));
    const sharedMb = this.spec.sharedDisk ? statSync(this.spec.sharedDisk).size / 1048576 : 0;
    return JSON.stringify({ argv: a, dataMb: this.spec.dataDiskMb ?? 0, sharedMb });
  }

  private argv(): string[] {
    const s = this.spec;
    const mac = `52:54:00:51:64:${s.index.toString(16).padStart(2, "0")}`;
    const append = [
      "console=ttyS0",
      "root=/dev/vda",
      "rw",
      "quiet",
      "systemd.show_status=1", // unit start lines on the console log, kernel messages only when they matter
      "panic=5",
      "mitigations=off", // nothing to protect in a throwaway guest; cheaper under emulation
      "net.ifnames=0",
      `ip=${this.addr}:::255.255.255.0:${s.name}:eth0:off`,
      `systemd.hostname=${s.name}`,
    ].join(" ");
    // writeback: what the guest flushed is in the host's page cache even if QEMU is killed (power
    // tests on data disks); the root overlay skips flushes (unsafe), nothing tests its durability
    const disk = (id: string, file: string, fmt: string, extra = "", dev = "", cache = "writeback") => [
      "-drive",
      `file=${file},if=none,id=${id},format=${fmt},cache=${cache}${extra}`,
      "-device",
      `virtio-blk-pci,drive=${id},serial=${id}${dev}`,
    ];
    return [
      "qemu-system-x86_64",
      "-name",
      `${s.name},process=qemu-${s.name}`,
      ...ACCEL,
      "-smp", "1",
      "-m", String(s.memMb),
      "-nodefaults", "-no-user-config", "-display", "none",
      "-msg", "timestamp=on",
      "-kernel", this.img.kernel,
      "-initrd", this.img.initrd,
      "-append", append,
      ...disk("root", this.path("root.qcow2"), "qcow2", "", "", "unsafe"),
      ...(s.dataDiskMb ? disk("data", this.path("data.img"), "raw") : []),
      // the same file under two VMs: no image locking, and the device says it may be shared
      ...(s.sharedDisk ? disk("shared", s.sharedDisk, "raw", ",file.locking=off", ",share-rw=on") : []),
      "-netdev", `tap,id=net0,ifname=${this.tap},script=no,downscript=no`,
      "-device", `virtio-net-pci,netdev=net0,mac=${mac},romfile=`,
      ...(s.share ? ["-virtfs", `local,path=${s.share},mount_tag=hanfs,security_model=none,readonly=on,multidevs=remap,id=hanfs`] : []),
      "-chardev", `file,id=con0,path=${this.path("console.log")},append=on`,
      "-serial", "chardev:con0",
      "-device", "virtio-serial-pci,id=vser0",
      "-chardev", `socket,id=qga0,path=${this.path("qga.sock")},server=on,wait=off`,
      "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
      ...(s.fenceSocket ? ["-chardev", `socket,id=fence0,path=${s.fenceSocket},reconnect=1`, "-device", "virtserialport,chardev=fence0,name=org.hanfs.fence"] : []),
      "-qmp", `unix:${this.path("qmp.sock")},server=on,wait=off`,
    ];
  }

  /**
   * Power on: start QEMU (the guest boots; waitAgent() waits for it). `state`: instead of booting,
   * resume the guest saved in that file by saveState() (root disk from the matching overlay).
   */
  async start(state?: string) {
    if (this.isOn()) throw new Error(`${this.name} is already on`);
    this.boots++;
    const argv = [...this.argv(), ...(state ? ["-incoming", "defer"] : [])];
    const pid = spawnIn(this.run, this.children, this.sw.proc.pid, argv, this.path("qemu.log"), { pdeathsig: true });
    this.child = this.children[this.children.length - 1];
    this.proc = this.run.procs.find((p) => p.pid === pid);
    const died = () => new Fatal(`${this.name}: QEMU exited at start: ${readFileSync(this.path("qemu.log"), "utf8").slice(-2000)}`);
    try {
      await until(`${this.name}'s QMP socket`, 20_000, () => {
        if (!this.isOn()) throw died();
        return existsSync(this.path("qmp.sock"));
      }, 50);
      await this.qmp.cmd("query-status");
      if (state) {
        await this.qmp.cmd("migrate-incoming", { uri: `exec:cat '${state}'` });
        await this.migrated(120_000);
        const st = (await this.qmp.cmd("query-status")) as { status: string };
        if (st.status !== "running") await this.qmp.cmd("cont");
      }
    } catch (e) {
      // QEMU makes its sockets before it can fail (a missing kernel, a bad saved state): its own message says why
      await until("QEMU to exit", 2000, () => !this.isOn(), 50).catch(() => undefined);
      if (!this.isOn()) throw died();
      throw e;
    }
  }

  /** Wait for the current migration (outgoing or incoming) to complete. */
  private async migrated(deadlineMs: number) {
    await until(`${this.name}'s migration`, deadlineMs, async () => {
      const m = (await this.qmp.cmd("query-migrate")) as { status?: string; "error-desc"?: string };
      if (m.status === "failed" || m.status === "cancelled") throw new Fatal(`${this.name}: migration ${m.status}: ${m["error-desc"] ?? ""}`);
      return m.status === "completed";
    }, 200);
  }

  /**
   * Save the running guest (paused meanwhile) to `stateFile`, and its root overlay at that instant
   * to `rootCopy`: start(stateFile) on a VM of the same shape whose root overlay is backed by
   * rootCopy resumes it. The guest must not have the 9p share mounted (a migration blocker).
   */
  async saveState(stateFile: string, rootCopy: string) {
    await this.qmp.cmd("stop");
    try {
      await this.qmp.cmd("migrate", { uri: `exec:cat > '${stateFile}'` });
      await this.migrated(180_000);
      // a completed migration has flushed the disks: the overlay file is consistent now
      copyFileSync(this.path("root.qcow2"), rootCopy);
      chmodSync(rootCopy, 0o444);
    } finally {
      await this.qmp.cmd("cont");
    }
  }

  isOn(): boolean {
    const c = this.child;
    return !!c && c.exitCode === null && c.signalCode === null && !!this.proc && sameProc(this.proc) && running(this.proc.pid);
  }

  async waitAgent(deadlineMs: number) {
    await this.qga.waitReady(deadlineMs);
    this.bootCpuSeconds = this.cpuSeconds();
  }

  /** CPU time QEMU used so far (user + system): the boot's cost independent of how busy the host is. */
  cpuSeconds(): number {
    if (!this.proc || !sameProc(this.proc)) return 0;
    const f = readFileSync(`/proc/${this.proc.pid}/stat`, "utf8");
    const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(v[11]) + Number(v[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  }

  exec(cmd: string | string[], o: ExecOpts = {}): Promise<Result> {
    return this.qga.exec(cmd, o);
  }

  /** Write a file in the guest (through the command's stdin, so any bytes go). */
  /** Written, renamed into place and synced: a fenced reset right after must find it whole, not empty (delayed allocation). */
  async writeFile(path: string, data: string | Buffer, mode = "0644", owner?: string) {
    const own = owner ? ` && chown ${owner} "$1"` : "";
    await this.exec(["/bin/sh", "-c", `mkdir -p "$(dirname "$1")" && cat >"$1.new" && chmod ${mode} "$1.new" && mv "$1.new" "$1"${own} && sync "$1" "$(dirname "$1")"`, "sh", path], { input: data, timeoutMs: 30_000 });
  }

  /** Hardware reset through QMP (the guest reboots at once, no shutdown). */
  async reset() {
    this.qga.drop();
    await this.qmp.cmd("system_reset");
  }

  /** Power cut: QEMU ends (QMP quit, SIGKILL by PID if that does not work); disks stay for powerOn(). */
  async powerOff() {
    if (!this.isOn()) return;
    this.qga.drop();
    try {
      await this.qmp.cmd("quit", undefined, 5000);
    } catch {
      /* the connection closes as QEMU quits; the PID check below decides */
    }
    this.qmp.close();
    try {
      await this.waitOff(10_000);
    } catch {
      await this.kill();
    }
  }

  powerOn() {
    return this.start();
  }

  /** SIGKILL by PID (teardown), then wait until the process is gone. */
  async kill() {
    this.qga.drop();
    this.qmp.close();
    if (this.proc && sameProc(this.proc)) {
      try {
        process.kill(this.proc.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await this.waitOff(10_000);
  }

  private waitOff(deadlineMs: number) {
    return until(`${this.name}'s QEMU to exit`, deadlineMs, () => !this.isOn() && (!this.child || this.child.exitCode !== null || this.child.signalCode !== null), 20);
  }
}

/** A zero-filled raw disk that takes no space until written. */
export function sparse(file: string, mb: number) {
  const fd = openSync(file, "w", 0o600);
  ftruncateSync(fd, mb * 1024 * 1024);
  closeSync(fd);
}
