import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, readlinkSync } from "node:fs";
import { PATH, Scratch, installAgent, sh } from "./fixture";

/** Test network: 198.51.100.0/24 on a bridge in a namespace of its own, never linked to the host. */
export const NET = "198.51.100";
export const VIP = `${NET}.100`;

export interface Res {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run argv with a hard time limit; never throws. */
export function exec(argv: string[], o: { env?: Record<string, string>; timeout?: number; input?: string } = {}): Promise<Res> {
  const t0 = Date.now();
  return new Promise((res) => {
    const c = spawn(argv[0], argv.slice(1), { env: o.env ?? { PATH }, stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    c.stdout!.on("data", (d) => (stdout += d));
    c.stderr!.on("data", (d) => (stderr += d));
    const t = setTimeout(() => c.kill("SIGKILL"), o.timeout ?? 30_000);
    c.on("error", (e) => ((stderr += String(e)), undefined));
    c.on("close", (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr, ms: Date.now() - t0 });
    });
    if (o.input !== undefined) c.stdin!.end(o.input);
  });
}

const netnsOf = (pid: number) => readlinkSync(`/proc/${pid}/ns/net`);

async function until<T>(what: string, ms: number, f: () => T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = f();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** PID 1 of a box must reap orphans (ganesha daemonizes), or they linger as zombies. */
const REAPER = '$0 = "hanfs-box"; while (1) { sleep 1 if wait() < 0 }';

/**
 * A machine made of namespaces: PID 1 (a reaper) of new net+mount+uts+pid namespaces. SIGKILL of it
 * kills every process inside (ganesha, rpcbind), like pulling the plug; pdeathsig ties it to us.
 */
export class Box {
  pid = 0;
  private holder!: ChildProcess;
  constructor(readonly name: string, readonly addr: string | undefined, private s: Scratch) {}

  async boot(sw?: Box) {
    const args = this.addr ? ["--net", "--mount", "--uts", "--pid", "--fork", "--kill-child=KILL", "--mount-proc", "--propagation", "private"] : ["--net", "--fork", "--kill-child=KILL"];
    this.holder = this.s.spawn(["setpriv", "--pdeathsig", "KILL", "--", "unshare", ...args, "--", "perl", "-e", REAPER]);
    const host = netnsOf(process.pid);
    this.pid = await until(`${this.name} to start`, 5000, () => {
      const kid = Number(readFileSync(`/proc/${this.holder.pid}/task/${this.holder.pid}/children`, "utf8").trim().split(" ")[0]);
      return kid && readFileSync(`/proc/${kid}/cmdline`, "utf8").includes("hanfs-box") && netnsOf(kid) !== host ? kid : undefined;
    });
    if (!this.addr) return this.ip(["link set lo up", "link add br0 type bridge", "link set br0 up"]);
    await this.run(["hostname", this.name]);
    await this.run(["mount", "-t", "tmpfs", "-o", "mode=0755", `hanfs-${this.name}-run`, "/run"]);
    await sw!.ip([`link add p-${this.name} type veth peer name eth0 netns ${this.pid}`, `link set p-${this.name} master br0 up`]);
    await this.ip(["link set lo up", `addr add ${this.addr}/24 dev eth0`, "link set eth0 up"]);
  }

  /** Run inside the box's namespaces with a clean environment. */
  run(argv: string[], o: { env?: Record<string, string>; timeout?: number; input?: string } = {}): Promise<Res> {
    const ns = this.addr ? ["-n", "-m", "-u", "-p"] : ["-n"];
    return exec(["nsenter", "-t", String(this.pid), ...ns, "--wd=/", "--", ...argv], { ...o, env: { PATH, ...o.env } });
  }

  async ip(cmds: string[]) {
    if (netnsOf(this.pid) === netnsOf(process.pid)) throw new Error("refusing: host network namespace");
    const r = await exec(["nsenter", "-t", String(this.pid), "-n", "ip", "-batch", "-"], { input: cmds.join("\n") + "\n", timeout: 10_000 });
    if (r.code !== 0) throw new Error(`ip in ${this.name}: ${r.stderr}`);
  }

  /** Pull the plug: every process of the box dies at once. */
  async crash() {
    process.kill(this.pid, "SIGKILL");
    await until(`${this.name} to die`, 10_000, () => (this.holder.exitCode !== null || this.holder.signalCode !== null ? true : undefined));
  }
}

/** An OCF agent run inside a box the way pacemaker-execd runs it. */
export function agentIn(box: Box, path: string, action: string, params: Record<string, string>, env: Record<string, string> = {}, timeout = 90_000): Promise<Res> {
  const e: Record<string, string> = { OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "nfs", HA_LOGFACILITY: "none", ...env };
  for (const [k, v] of Object.entries(params)) e[`OCF_RESKEY_${k}`] = v;
  return box.run([path, action], { env: e, timeout });
}

/** EXPORT block for ganesha_extra_config / exports.d (VFS on a local directory). */
export const exportBlock = (id: number, dir: string) =>
  `EXPORT { Export_Id = ${id}; Path = "${dir}"; Pseudo = "${dir}"; Access_Type = RW; Squash = No_Root_Squash; SecType = sys; Protocols = 3, 4; Transports = TCP; FSAL { Name = VFS; } }\n`;

/** What the NFS agent tests share: both agents installed, a mounted ext4 "shared disk" with export/ and info/, and a switch. */
export interface NfsTestbed {
  s: Scratch;
  nfsserver: string;
  exportfs: string;
  shared: string;
  sw: Box;
}

export async function nfsTestbed(): Promise<NfsTestbed> {
  const s = new Scratch();
  const nfsserver = installAgent(s, "nfsserver");
  const exportfs = installAgent(s, "exportfs");
  const dev = s.loopFs("ext4", 64, "shared");
  const shared = s.mkdir("shared");
  sh(["mount", dev, shared]);
  mkdirSync(`${shared}/export`);
  mkdirSync(`${shared}/info`);
  const sw = new Box("sw", undefined, s);
  await sw.boot();
  return { s, nfsserver, exportfs, shared, sw };
}
