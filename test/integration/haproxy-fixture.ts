import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOWN, FDRAIN, Haproxy, UP } from "../lab/lib/haproxy";
import { Host, listening, spawnIn } from "../lab/lib/host";
import { Switch } from "../lab/lib/net";
import { Run } from "../lab/lib/run";
import { sh, until } from "../lib/sh";

export { DOWN, FDRAIN, listening, UP };

/**
 * Real haproxy 2.6 and nfs-ganesha 4.3 hosts, each in its own network + mount namespace on a
 * private bridge (198.51.100.0/24, never linked to the host). Shared by the haproxy integration
 * test and `npm run bench`; imports no test runner. Hosts and haproxy are the lab's
 * (test/lab/lib/host.ts, haproxy.ts), also used by the lab's haproxy failover scenario.
 */
export const VIP = "198.51.100.10";

export class HapLab {
  readonly run = new Run();
  readonly sw = new Switch(this.run);
  /** host name → PID of its namespace holder */
  readonly hosts: Record<string, number> = {};
  readonly ganesha: Record<string, number> = {};
  private readonly machines: Record<string, Host> = {};
  private readonly children: ChildProcess[] = [];
  private hap?: Haproxy;
  readonly hapSock = join(this.run.dir, "haproxy.sock");
  readonly hapLog = join(this.run.dir, "haproxy.log");

  /** The switch plus one host per entry (name → address); the proxy host must be called "proxy". */
  async up(hosts: Record<string, string>) {
    await this.sw.up();
    for (const [name, addr] of Object.entries(hosts)) {
      this.machines[name] = await new Host(name, addr, this.run, this.sw).up();
      this.hosts[name] = this.machines[name].pid;
    }
  }

  /** Start a process inside a host's namespaces; its output goes to a log file in the run dir. */
  inHost(pid: number, argv: string[], log: string): number {
    return spawnIn(this.run, this.children, pid, argv, log);
  }

  /** ganesha (NFSv4 only) exporting a private tmpfs holding `who` = the host's name. */
  async startGanesha(name: string) {
    const pid = this.hosts[name];
    const dir = join(this.run.dir, name);
    mkdirSync(join(dir, "srv"), { recursive: true });
    mkdirSync(join(dir, "recov"), { recursive: true });
    // a private /run and a private export filesystem, both gone with the host's mount namespace
    await sh(["nsenter", "-t", String(pid), "-m", "--", "mount", "-t", "tmpfs", `${this.run.id}-run`, "/run"]);
    await sh(["nsenter", "-t", String(pid), "-m", "--", "mount", "-t", "tmpfs", `${this.run.id}-srv`, join(dir, "srv")]);
    await sh(["nsenter", "-t", String(pid), "-m", "--", "tee", join(dir, "srv", "who")], { input: `${name}\n` });
    writeFileSync(
      join(dir, "ganesha.conf"),
      `NFS_CORE_PARAM { Protocols = 4; Enable_UDP = false; Enable_NLM = false; Enable_RQUOTA = false;
  Plugins_Dir = /usr/lib/x86_64-linux-gnu/ganesha; }
NFSV4 { Grace_Period = 10; Lease_Lifetime = 10; RecoveryBackend = fs; RecoveryRoot = ${dir}/recov; }
EXPORT { Export_Id = 1; Path = ${dir}/srv; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  SecType = sys; Protocols = 4; Transports = TCP; FSAL { Name = VFS; } }
`,
    );
    this.ganesha[name] = this.inHost(pid, ["ganesha.nfsd", "-F", "-f", join(dir, "ganesha.conf"), "-L", join(dir, "ganesha.log"), "-p", join(dir, "ganesha.pid")], join(dir, "out.log"));
    await until(`${name} ganesha on 2049`, 15_000, () => listening(pid).has(2049));
  }

  /**
   * Files under /etc as seen by one host only (e.g. /etc/hanfs/haproxy-check.conf, which the
   * external check reads since haproxy replaces its environment): an overlay on /etc in that
   * host's mount namespace; the host's /etc is never written.
   */
  etcFiles(name: string, files: Record<string, string>) {
    return this.machines[name].etc(files);
  }

  /** haproxy -db on the proxy host: a global section (runtime API, external checks) plus `body`. */
  async startHaproxy(body: string): Promise<string> {
    this.hap = await new Haproxy(this.machines.proxy, this.run.dir, "haproxy").start(body);
    return this.hap.cfg;
  }

  private get haproxy(): Haproxy {
    if (!this.hap) throw new Error("haproxy not started");
    return this.hap;
  }

  hapCmd(cmd: string): Promise<string> {
    return this.haproxy.cmd(cmd);
  }

  /** haproxy runtime API: `show servers state`, parsed by its header line. */
  serverStates(backend: string) {
    return this.haproxy.serverStates(backend);
  }

  /** `show stat` CSV of one backend's servers, by server name (check_status, last_chk, ...). */
  stat(backend: string) {
    return this.haproxy.stat(backend);
  }

  /** ms until backend/server reaches op state `op` (polled every `everyMs`); throws after limitMs. */
  waitState(backend: string, server: string, op: number, limitMs: number, everyMs = 100): Promise<number> {
    return this.haproxy.waitState(backend, server, op, limitMs, everyMs);
  }

  /** Read /export/who through haproxy with a real NFSv4 client (libnfs), from the proxy host. */
  async whoViaVip(): Promise<string> {
    const r = await sh(["nsenter", "-t", String(this.hosts.proxy), "-n", "--", "nfs-cat", `nfs://${VIP}/export/who?version=4`], { timeout: 10_000, check: false });
    return r.code === 0 ? r.stdout.trim() : `error ${r.code}: ${r.stderr.trim()}`;
  }

  /** Kill everything of the run (by tracked PID), the switch with it; mounts die with their namespaces. */
  down() {
    for (const c of this.children) c.unref();
    for (const h of Object.values(this.machines)) h.unref();
    this.sw.kill();
    this.run.destroySync();
  }
}
