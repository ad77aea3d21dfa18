import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PATH, sh, until, type Result, type ShOpts } from "../../lib/sh";
import { assertPrivateNet, ipIn, type Switch } from "./net";
import { running, type Run } from "./run";

/** PID 1 of a machine's pid namespace must reap orphans (ganesha daemonizes), or they linger as zombies. */
const REAPER = '$0 = "hanfs-box"; while (1) { sleep 1 if wait() < 0 }';

export interface HostOpts {
  /** switch port name (unique on that switch; at most 15 characters) */
  port?: string;
  /**
   * A whole machine: pid and uts namespaces too, a reaper as PID 1, its own host name and a
   * private /run. SIGKILL of PID 1 kills everything in it at once (down() is pulling the plug).
   */
  machine?: boolean;
}

/**
 * A plain machine on a lab switch (an haproxy host, an NFS client, a bare ganesha server, an NFS
 * server node of the integration tests): a holder in fresh network + mount namespaces (private
 * propagation), plugged into the switch. Not a cluster node (node.ts boots Corosync/Pacemaker);
 * everything started in it is tracked by the run (PID + start time), so the run's teardown kills it
 * and the mounts die with the namespace. Nothing is ever linked to the host's network namespace,
 * and the host's files are never written: /etc, /usr/lib and /run are changed only by
 * overlays/tmpfs inside the host's mount namespace.
 */
export class Host {
  pid = 0;
  readonly port: string;
  private children: ChildProcess[] = [];

  constructor(
    readonly name: string,
    readonly addr: string,
    private run: Run,
    private sw: Switch,
    private o: HostOpts = {},
  ) {
    this.port = o.port ?? `h-${name}`.slice(0, 15);
  }

  async up(): Promise<this> {
    const ns = this.o.machine ? ["--net", "--mount", "--uts", "--pid", "--fork", "--kill-child=KILL", "--mount-proc", "--propagation", "private"] : ["--net", "--mount", "--propagation", "private"];
    const init = this.o.machine ? ["perl", "-e", REAPER] : ["sleep", "infinity"];
    const c = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", ...ns, "--", ...init], { stdio: "ignore", detached: true, env: { PATH } });
    this.children.push(c);
    const holder = c.pid!;
    // the process inside: the holder itself once unshare has exec'd sleep, or (machine) its forked PID 1
    const inner = () => (this.o.machine ? Number(readFileSync(`/proc/${holder}/task/${holder}/children`, "utf8").trim().split(" ")[0]) : holder);
    const pid = await until(`${this.name} namespaces`, 5000, () => {
      try {
        const p = inner();
        assertPrivateNet(p);
        const ready = this.o.machine ? readFileSync(`/proc/${p}/cmdline`, "utf8").includes("hanfs-box") : readlinkSync(`/proc/${p}/exe`).endsWith("/sleep");
        return ready && readlinkSync(`/proc/${p}/ns/mnt`) !== readlinkSync("/proc/self/ns/mnt") ? p : undefined;
      } catch {
        return undefined;
      }
    }, 10);
    this.run.track(holder, this.name);
    if (pid !== holder) this.run.track(pid, `${this.name}-init`);
    this.pid = pid;
    if (this.o.machine) {
      await this.exec(["hostname", this.name]);
      await this.tmpRun();
    }
    await this.sw.plug(this.port, pid, this.addr);
    return this;
  }

  /** Run argv in the host's namespaces, with a deadline (never through a shell). */
  exec(argv: string[], o: ShOpts = {}): Promise<Result> {
    assertPrivateNet(this.pid);
    const ns = this.o.machine ? ["-n", "-m", "-u", "-p", "--wd=/"] : ["-n", "-m"];
    return sh(["nsenter", "-t", String(this.pid), ...ns, "--", ...argv], o);
  }

  /** `ip -batch` inside the host's network namespace. */
  async ip(cmds: string[]) {
    await ipIn(this.pid, cmds);
  }

  /** Start a long-running process in the host, output appended to `log`; returns its (tracked) PID. */
  spawn(argv: string[], log: string): number {
    return spawnIn(this.run, this.children, this.pid, argv, log);
  }

  /** Files under /etc seen by this host only: a writable overlay on /etc in its mount namespace. */
  async etc(files: Record<string, string>) {
    const base = join(this.run.dir, `${this.name}-etc`);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(base, "upper", rel)), { recursive: true });
      writeFileSync(join(base, "upper", rel), text);
    }
    mkdirSync(join(base, "work"), { recursive: true });
    await this.exec(["mount", "-t", "overlay", `${this.run.id}-etc`, "-o", `lowerdir=/etc,upperdir=${base}/upper,workdir=${base}/work`, "/etc"], { timeout: 10_000 });
  }

  /** `hanfs install --root ROOT` as if installed on this host: a read-only overlay ROOT/usr/lib over /usr/lib (like the nodes). */
  async usrLib(root: string) {
    await this.exec(["mount", "-t", "overlay", `${this.run.id}-lib`, "-o", `lowerdir=${root}/usr/lib:/usr/lib`, "/usr/lib"], { timeout: 10_000 });
  }

  /** A private tmpfs /run. */
  async tmpRun() {
    await this.exec(["mount", "-t", "tmpfs", "-o", "mode=0755,size=16m", `${this.run.id}-run`, "/run"], { timeout: 10_000 });
  }

  listening(): Set<number> {
    return listening(this.pid);
  }

  /**
   * Power off: SIGKILL every process in the host's network namespace (the holder, what we started,
   * and what those forked, e.g. haproxy's external checks in flight), by PID; wait until all are
   * gone. Its mounts go with the last of them. The run's teardown would kill the tracked ones only.
   */
  async down(deadlineMs = 5000) {
    if (!this.pid) return;
    let ns: string;
    try {
      assertPrivateNet(this.pid);
      ns = readlinkSync(`/proc/${this.pid}/ns/net`);
    } catch {
      return; // the holder is gone: so is the namespace (nothing of ours joins it without the holder)
    }
    const members = () =>
      readdirSync("/proc").filter((d) => {
        if (!/^\d+$/.test(d) || Number(d) === process.pid) return false;
        try {
          return readlinkSync(`/proc/${d}/ns/net`) === ns && running(Number(d));
        } catch {
          return false;
        }
      });
    await until(`${this.name}'s processes to exit`, deadlineMs, () => {
      const left = members();
      for (const p of left) {
        try {
          process.kill(Number(p), "SIGKILL");
        } catch {
          /* gone */
        }
      }
      return left.length === 0;
    }, 20);
  }

  /** Let the harness exit while the run's teardown (by tracked PID) still owns these processes. */
  unref() {
    for (const c of this.children) c.unref();
  }
}

/**
 * Start argv inside the network and mount namespaces of `pid` (nsenter execs it: the PID is argv's).
 * `pdeathsig`: it also dies when the harness dies, even by SIGKILL (for processes that outlive
 * the namespace holder, like a VM's QEMU).
 */
export function spawnIn(run: Run, children: ChildProcess[], pid: number, argv: string[], log: string, o: { pdeathsig?: boolean } = {}): number {
  assertPrivateNet(pid);
  const fd = openSync(log, "a");
  const enter = ["nsenter", "-t", String(pid), "-n", "-m", "--", ...argv];
  const cmd = o.pdeathsig ? ["setpriv", "--pdeathsig", "KILL", "--", ...enter] : enter;
  const c = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", fd, fd], detached: true, env: { PATH } });
  closeSync(fd);
  children.push(c);
  run.track(c.pid!, argv[0]);
  return c.pid!;
}

/** Listening TCP ports of a namespace, from the kernel's table (/proc/PID/net/tcp*, state 0A). */
export function listening(pid: number): Set<number> {
  const ports = new Set<number>();
  for (const f of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${f}`, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === "0A") ports.add(parseInt(cols[1].split(":").pop()!, 16));
    }
  }
  return ports;
}
