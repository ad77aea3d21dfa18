import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { addrOf, type NodeSpec } from "./files";
import type { Switch } from "./net";
import { running, sameProc, type Proc, type Run } from "./run";
import { Fatal, PATH, sh, until, type Result, type ShOpts } from "../../lib/sh";

export const LAB_DIR = join(__dirname, "..");
const BOOT = join(LAB_DIR, "node/boot.sh");

/** Environment of every command run inside a node (like a root login shell's, plus Pacemaker's logging). */
const NODE_ENV = [`PATH=${PATH}`, "HOME=/root", "LANG=C.UTF-8", "TERM=dumb", "PCMK_logfile=/var/log/pacemaker/pacemaker.log", "PCMK_logfacility=none"];

/**
 * One lab node: PID 1 of new net+mount+uts+ipc+pid namespaces (boot.sh, then init.pl). The chain
 * harness → setpriv(pdeathsig) → unshare(--kill-child) → init means the node dies with the harness
 * even when the harness is SIGKILLed.
 */
export class Node {
  init?: Proc;
  private unshare?: ChildProcess;
  private boots = 0;
  readonly addr: string;
  readonly dir: string;

  constructor(
    readonly spec: NodeSpec,
    private run: Run,
    private sw: Switch,
  ) {
    this.addr = addrOf(spec.index);
    this.dir = join(run.dir, "nodes", spec.name);
  }

  get name() {
    return this.spec.name;
  }

  /** Switch port of the current boot (a fresh name each boot: the old veth dies asynchronously). */
  get port() {
    return `n${this.spec.index}b${this.boots}`;
  }

  isOn(): boolean {
    return !!this.init && sameProc(this.init) && running(this.init.pid);
  }

  /** Power on: new namespaces with fresh /run and /dev/shm, the node's persistent dirs, a new cable. */
  async boot() {
    if (this.isOn()) throw new Error(`${this.name} is already on`);
    this.boots++;
    const log = openSync(join(this.dir, "boot.log"), "a");
    const child = spawn(
      "setpriv",
      ["--pdeathsig", "KILL", "--", "unshare", "--net", "--mount", "--uts", "--ipc", "--pid", "--kill-child=KILL", "--mount-proc", "--propagation", "private", "--", "/bin/sh", BOOT, this.run.dir, this.name],
      { stdio: ["ignore", log, log], detached: true, env: { PATH } },
    );
    closeSync(log);
    this.unshare = child;
    this.run.track(child.pid!, `${this.name}-unshare`);
    const init = await until(`${this.name} to boot (see ${this.dir}/boot.log)`, 10_000, () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Fatal(`${this.name} failed to boot: ${readFileSync(join(this.dir, "boot.log"), "utf8").slice(-2000)}`);
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim();
      const pid = Number(kids.split(" ")[0]);
      return pid && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "hanfs-lab-init" ? pid : undefined;
    }, 20);
    this.init = this.run.track(init, `${this.name}-init`);
    await this.sw.plug(this.port, init, this.addr);
  }

  /** Run argv inside every namespace of the node, as root, with a clean environment. */
  exec(argv: string[], o: ShOpts = {}): Promise<Result> {
    if (!this.isOn()) return Promise.reject(new Error(`${this.name} is powered off`));
    return sh(["nsenter", "-t", String(this.init!.pid), "-m", "-u", "-i", "-n", "-p", "--wd=/", "--", "env", "-i", ...NODE_ENV, ...argv], o);
  }

  /** Start a daemon detached from us (its output to a log file inside the node). */
  daemon(argv: string[], log: string) {
    return this.exec(["sh", "-c", `exec setsid -f "$@" </dev/null >>${log} 2>&1`, "sh", ...argv], { timeout: 10_000 });
  }

  async startCluster() {
    if ((await this.exec(["pidof", "corosync"], { check: false })).code !== 0) await this.daemon(["corosync", "-f"], "/var/log/corosync/stdout.log");
    await until(`corosync on ${this.name}`, 15_000, async () => (await this.exec(["corosync-cfgtool", "-s"], { check: false, timeout: 5000 })).code === 0, 50);
    if ((await this.exec(["pidof", "pacemakerd"], { check: false })).code !== 0) await this.daemon(["pacemakerd"], "/var/log/pacemaker/stdout.log");
  }

  /** SIGKILL of PID 1: the kernel kills the whole pid namespace; its mounts go with the mount namespace. */
  async powerOff() {
    if (!this.init) return;
    if (sameProc(this.init)) {
      try {
        process.kill(this.init.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await this.waitOff();
  }

  /** Off = init reaped by unshare (so every process of the pid namespace is gone) and unshare exited. */
  async waitOff(deadlineMs = 10_000) {
    const u = this.unshare;
    await until(`${this.name} to power off`, deadlineMs, () => !this.isOn() && (!u || u.exitCode !== null || u.signalCode !== null), 20);
  }

  /** Host view of the node's mounts (no exec needed: fast enough to sample every few ms). */
  mountinfo(): string {
    if (!this.init || !sameProc(this.init)) return "";
    try {
      return readFileSync(`/proc/${this.init.pid}/mountinfo`, "utf8");
    } catch {
      return "";
    }
  }

  log(name: "pacemaker" | "corosync" | "fence") {
    const p = name === "fence" ? join(this.run.dir, "power/fence.log") : join(this.dir, `var-log/${name}/${name}.log`);
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  }
}
