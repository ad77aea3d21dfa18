import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { assertPrivateNet, Switch } from "../lab/lib/net";
import { Run } from "../lab/lib/run";
import { PATH, sh, until } from "../lab/lib/sh";

/**
 * Real haproxy 2.6 and nfs-ganesha 4.3 hosts, each in its own network + mount namespace on a
 * private bridge (198.51.100.0/24, never linked to the host). Shared by the haproxy integration
 * test and `npm run bench`; imports no test runner.
 */
export const VIP = "198.51.100.10";
/** srv_op_state values of `show servers state` */
export const UP = 2;
export const DOWN = 0;
/** haproxy's srv_admin_state bit for a drain set by the agent (SRV_ADMF_FDRAIN) */
export const FDRAIN = 0x08;

export class HapLab {
  readonly run = new Run();
  readonly sw = new Switch(this.run);
  readonly hosts: Record<string, number> = {};
  readonly ganesha: Record<string, number> = {};
  readonly hapSock = join(this.run.dir, "hap.sock");
  readonly hapLog = join(this.run.dir, "haproxy.log");
  private children: ChildProcess[] = [];

  /** The switch plus one host per entry (name → address); the proxy host must be called "proxy". */
  async up(hosts: Record<string, string>) {
    await this.sw.up();
    for (const [name, addr] of Object.entries(hosts)) this.hosts[name] = await this.host(name, addr);
  }

  /** A host: a sleeping holder in fresh net + mount namespaces, plugged into the switch. */
  private async host(name: string, addr: string): Promise<number> {
    const c = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", "--net", "--mount", "--propagation", "private", "--", "sleep", "infinity"], { stdio: "ignore", detached: true, env: { PATH } });
    this.children.push(c);
    const pid = c.pid!;
    await until(`${name} namespaces`, 5000, () => {
      try {
        assertPrivateNet(pid);
        return readlinkSync(`/proc/${pid}/exe`).endsWith("/sleep") && readlinkSync(`/proc/${pid}/ns/mnt`) !== readlinkSync("/proc/self/ns/mnt");
      } catch {
        return false;
      }
    }, 10);
    this.run.track(pid, name);
    await this.sw.plug(`${this.run.id}${name[0]}`, pid, addr);
    return pid;
  }

  /** Start a process inside a host's namespaces; its output goes to a log file in the run dir. */
  inHost(pid: number, argv: string[], log: string): number {
    const fd = openSync(log, "a");
    const c = spawn("nsenter", ["-t", String(pid), "-n", "-m", "--", ...argv], { stdio: ["ignore", fd, fd], detached: true, env: { PATH } });
    closeSync(fd);
    this.children.push(c);
    this.run.track(c.pid!, argv[0]);
    return c.pid!;
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
  async etcFiles(name: string, files: Record<string, string>) {
    const base = join(this.run.dir, `${name}-etc`);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(base, "upper", rel)), { recursive: true });
      writeFileSync(join(base, "upper", rel), text);
    }
    mkdirSync(join(base, "work"), { recursive: true });
    const opts = `lowerdir=/etc,upperdir=${base}/upper,workdir=${base}/work`;
    await sh(["nsenter", "-t", String(this.hosts[name]), "-m", "--", "mount", "-t", "overlay", `${this.run.id}-etc`, "-o", opts, "/etc"]);
  }

  /** haproxy -db on the proxy host: a global section (runtime API, external checks) plus `body`. */
  async startHaproxy(body: string): Promise<string> {
    const cfg = join(this.run.dir, "haproxy.cfg");
    writeFileSync(
      cfg,
      `global
    log stdout format raw local0 info
    stats socket ${this.hapSock} mode 600 level admin
    external-check
    insecure-fork-wanted
${body}`,
    );
    this.inHost(this.hosts.proxy, ["haproxy", "-db", "-f", cfg], this.hapLog);
    await until("haproxy runtime API", 10_000, () => existsSync(this.hapSock));
    return cfg;
  }

  hapCmd(cmd: string): Promise<string> {
    return new Promise<string>((res, rej) => {
      const s = connect(this.hapSock);
      let out = "";
      s.setTimeout(3000, () => (s.destroy(), rej(new Error("runtime API timeout"))));
      s.on("connect", () => s.write(cmd + "\n"));
      s.on("data", (d) => (out += d));
      s.on("end", () => res(out));
      s.on("error", rej);
    });
  }

  /** haproxy runtime API: `show servers state`, parsed by its header line. */
  async serverStates(backend: string): Promise<Record<string, { op: number; admin: number }>> {
    const text = await this.hapCmd(`show servers state ${backend}`);
    const lines = text.split("\n").filter(Boolean);
    const header = lines.find((l) => l.startsWith("# "))!.slice(2).split(" ");
    const out: Record<string, { op: number; admin: number }> = {};
    for (const l of lines.filter((x) => !x.startsWith("#") && x.includes(" "))) {
      const c = l.split(" ");
      const col = (n: string) => c[header.indexOf(n)];
      out[col("srv_name")] = { op: Number(col("srv_op_state")), admin: Number(col("srv_admin_state")) };
    }
    return out;
  }

  /** `show stat` CSV of one backend's servers, by server name (check_status, last_chk, ...). */
  async stat(backend: string): Promise<Record<string, Record<string, string>>> {
    const lines = (await this.hapCmd(`show stat ${backend} 4 -1`)).split("\n").filter(Boolean);
    const header = lines.find((l) => l.startsWith("# "))!.slice(2).split(",");
    const out: Record<string, Record<string, string>> = {};
    for (const l of lines.filter((x) => !x.startsWith("#"))) {
      const row = Object.fromEntries(l.split(",").map((v, i) => [header[i], v]));
      out[row.svname] = row;
    }
    return out;
  }

  /** ms until backend/server reaches op state `op` (polled every `everyMs`); throws after limitMs. */
  async waitState(backend: string, server: string, op: number, limitMs: number, everyMs = 100): Promise<number> {
    const t0 = Date.now();
    await until(`${backend}/${server} op_state ${op}`, limitMs, async () => (await this.serverStates(backend))[server]?.op === op, everyMs);
    return Date.now() - t0;
  }

  /** Read /export/who through haproxy with a real NFSv4 client (libnfs), from the proxy host. */
  async whoViaVip(): Promise<string> {
    const r = await sh(["nsenter", "-t", String(this.hosts.proxy), "-n", "--", "nfs-cat", `nfs://${VIP}/export/who?version=4`], { timeout: 10_000, check: false });
    return r.code === 0 ? r.stdout.trim() : `error ${r.code}: ${r.stderr.trim()}`;
  }

  /** Kill everything of the run (by tracked PID), the switch with it; mounts die with their namespaces. */
  down() {
    for (const c of this.children) c.unref();
    this.sw.kill();
    this.run.destroySync();
  }
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
