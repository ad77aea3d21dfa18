import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPrivateNet, Switch } from "../lab/lib/net";
import { Run } from "../lab/lib/run";
import { PATH, sh, until } from "../lab/lib/sh";

/**
 * Real haproxy 2.6 in front of two real nfs-ganesha 4.3 servers, each host in its own network and
 * mount namespace on a private bridge (198.51.100.0/24, never linked to the host). The external
 * check is dist/hanfs invoked as haproxy-check. A SIGSTOPped ganesha still accepts TCP, so only an
 * RPC-speaking check can mark it DOWN: that is what this proves, with timings.
 */
const BIN = resolve(__dirname, "../../dist/hanfs");
const VIP = "198.51.100.10";
const ADDR = { alpha: "198.51.100.11", delta: "198.51.100.12" };

let run: Run;
let sw: Switch;
const hosts: Record<string, number> = {};
const ganesha: Record<string, number> = {};
let hapSock: string;
let hapLog: string;
let drainFile: string;
/** haproxy's srv_admin_state bit for a drain set by the agent (SRV_ADMF_FDRAIN) */
const FDRAIN = 0x08;
const children: ChildProcess[] = [];

/** A host: a sleeping holder in fresh net + mount namespaces, plugged into the switch. */
async function host(name: string, addr: string): Promise<number> {
  const c = spawn("setpriv", ["--pdeathsig", "KILL", "--", "unshare", "--net", "--mount", "--propagation", "private", "--", "sleep", "infinity"], { stdio: "ignore", detached: true, env: { PATH } });
  children.push(c);
  const pid = c.pid!;
  await until(`${name} namespaces`, 5000, () => {
    try {
      assertPrivateNet(pid);
      return readlinkSync(`/proc/${pid}/exe`).endsWith("/sleep") && readlinkSync(`/proc/${pid}/ns/mnt`) !== readlinkSync("/proc/self/ns/mnt");
    } catch {
      return false;
    }
  }, 10);
  run.track(pid, name);
  await sw.plug(`${run.id}${name[0]}`, pid, addr);
  return pid;
}

/** Start a process inside a host's namespaces; its output goes to a log file in the run dir. */
function inHost(pid: number, argv: string[], log: string): number {
  const fd = openSync(log, "a");
  const c = spawn("nsenter", ["-t", String(pid), "-n", "-m", "--", ...argv], { stdio: ["ignore", fd, fd], detached: true, env: { PATH } });
  closeSync(fd);
  children.push(c);
  run.track(c.pid!, argv[0]);
  return c.pid!;
}

/** Listening TCP ports of a namespace, from the kernel's table (/proc/PID/net/tcp*, state 0A). */
function listening(pid: number): Set<number> {
  const ports = new Set<number>();
  for (const f of ["tcp", "tcp6"]) {
    for (const line of readFileSync(`/proc/${pid}/net/${f}`, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === "0A") ports.add(parseInt(cols[1].split(":").pop()!, 16));
    }
  }
  return ports;
}

async function startGanesha(name: "alpha" | "delta") {
  const pid = hosts[name];
  const dir = join(run.dir, name);
  mkdirSync(join(dir, "srv"), { recursive: true });
  mkdirSync(join(dir, "recov"), { recursive: true });
  // a private /run and a private export filesystem, both gone with the host's mount namespace
  await sh(["nsenter", "-t", String(pid), "-m", "--", "mount", "-t", "tmpfs", `${run.id}-run`, "/run"]);
  await sh(["nsenter", "-t", String(pid), "-m", "--", "mount", "-t", "tmpfs", `${run.id}-srv`, join(dir, "srv")]);
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
  ganesha[name] = inHost(pid, ["ganesha.nfsd", "-F", "-f", join(dir, "ganesha.conf"), "-L", join(dir, "ganesha.log"), "-p", join(dir, "ganesha.pid")], join(dir, "out.log"));
  await until(`${name} ganesha on 2049`, 15_000, () => listening(pid).has(2049));
}

function hapCmd(cmd: string): Promise<string> {
  return new Promise<string>((res, rej) => {
    const s = connect(hapSock);
    let out = "";
    s.setTimeout(3000, () => (s.destroy(), rej(new Error("runtime API timeout"))));
    s.on("connect", () => s.write(cmd + "\n"));
    s.on("data", (d) => (out += d));
    s.on("end", () => res(out));
    s.on("error", rej);
  });
}

/** haproxy runtime API: `show servers state`, parsed by its header line. */
async function serverStates(backend = "nfs_servers"): Promise<Record<string, { op: number; admin: number }>> {
  const text = await hapCmd(`show servers state ${backend}`);
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
const UP = 2;
const DOWN = 0;

/** Read /export/who through haproxy with a real NFSv4 client (libnfs), from the proxy host. */
async function whoViaVip(): Promise<string> {
  const r = await sh(["nsenter", "-t", String(hosts.proxy), "-n", "--", "nfs-cat", `nfs://${VIP}/export/who?version=4`], { timeout: 10_000, check: false });
  return r.code === 0 ? r.stdout.trim() : `error ${r.code}: ${r.stderr.trim()}`;
}

async function waitState(server: string, op: number, limitMs: number, backend = "nfs_servers"): Promise<number> {
  const t0 = Date.now();
  await until(`${backend}/${server} op_state ${op}`, limitMs, async () => (await serverStates(backend))[server]?.op === op, 100);
  return Date.now() - t0;
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: npm run build`);
  run = new Run();
  sw = new Switch(run);
  await sw.up();
  hosts.alpha = await host("alpha", ADDR.alpha);
  hosts.delta = await host("delta", ADDR.delta);
  hosts.proxy = await host("proxy", VIP);
  await startGanesha("alpha");
  await startGanesha("delta");
  const bin = join(run.dir, "bin");
  mkdirSync(bin);
  symlinkSync(BIN, join(bin, "haproxy-check")); // busybox dispatch on the invoked name
  hapSock = join(run.dir, "hap.sock");
  hapLog = join(run.dir, "haproxy.log");
  const cfg = join(run.dir, "haproxy.cfg");
  writeFileSync(
    cfg,
    `global
    log stdout format raw local0 info
    stats socket ${hapSock} mode 600 level admin
    external-check
    insecure-fork-wanted
defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 1m
    timeout server 1m
frontend nfs_v4
    bind ${VIP}:2049
    default_backend nfs_servers
backend nfs_servers
    option log-health-checks
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command ${bin}/haproxy-check
    default-server inter 2s fall 2 rise 2 on-marked-down shutdown-sessions
    server alpha ${ADDR.alpha}:2049 check agent-check agent-port 5555 agent-inter 1s
    server delta ${ADDR.delta}:2049 check backup
# the external check alone (no agent, no traffic): proves it detects a hang by itself
backend ext_only
    option log-health-checks
    option external-check
    external-check path "/usr/bin:/bin"
    external-check command ${bin}/haproxy-check
    server alpha ${ADDR.alpha}:2049 check inter 2s fall 2 rise 2
`,
  );
  drainFile = join(run.dir, "alpha", "drain");
  inHost(hosts.alpha, [BIN, "haproxy-agent", "--listen", `${ADDR.alpha}:5555`, "--nfs", "127.0.0.1:2049", "--drain-file", drainFile, "--cache-ms", "500"], join(run.dir, "alpha", "agent.log"));
  await until("alpha agent on 5555", 10_000, () => listening(hosts.alpha).has(5555));
  inHost(hosts.proxy, ["haproxy", "-db", "-f", cfg], hapLog);
  await until("haproxy runtime API", 10_000, () => existsSync(hapSock));
}, 90_000);

afterAll(async () => {
  for (const c of children) c.unref();
  sw?.kill();
  run?.destroySync();
});

describe("haproxy + hanfs haproxy-check + ganesha", () => {
  it("both servers come UP; clients reach alpha through the VIP", async () => {
    await waitState("alpha", UP, 15_000);
    await waitState("delta", UP, 15_000);
    await waitState("alpha", UP, 15_000, "ext_only");
    expect(await whoViaVip()).toBe("alpha");
  });

  it("a hung alpha (SIGSTOP: TCP still accepted) is marked DOWN and clients land on delta", async () => {
    process.kill(ganesha.alpha, "SIGSTOP");
    try {
      const downMs = await waitState("alpha", DOWN, 15_000);
      console.log(`hung alpha marked DOWN after ${downMs} ms (agent + external check)`);
      expect(downMs).toBeLessThan(10_000);
      expect(await whoViaVip()).toBe("delta");
      const extMs = downMs + (await waitState("alpha", DOWN, 15_000, "ext_only"));
      console.log(`hung alpha marked DOWN by the external check alone after ${extMs} ms (inter 2s, fall 2, budget 1500 ms)`);
      expect(extMs).toBeLessThan(10_000);
      // whichever of the two RPC probes fires first marks it DOWN; both must see the hang
      const alphaLog = () => readFileSync(hapLog, "utf8").split("\n").filter((l) => l.includes("nfs_servers/alpha") && !l.startsWith("["));
      await until("external check exit 2 in haproxy's log", 6000, () => alphaLog().some((l) => /Health check .* External check error, code: 2/.test(l)));
      await until("agent down in haproxy's log", 6000, () => alphaLog().some((l) => /Agent check .* agent reports an error|Agent check .*NFSv4 NULL: timeout|Server nfs_servers\/alpha is DOWN, reason: Agent/.test(l)));
      console.log(alphaLog().slice(-5).join("\n"));
    } finally {
      process.kill(ganesha.alpha, "SIGCONT");
    }
    const upMs = await waitState("alpha", UP, 15_000);
    console.log(`alpha back UP ${upMs} ms after SIGCONT (rise 2)`);
    expect(await whoViaVip()).toBe("alpha");
  });

  it("the agent's drain file moves new clients to delta; removing it brings them back", async () => {
    writeFileSync(drainFile, "");
    try {
      const t0 = Date.now();
      await until("alpha drained", 10_000, async () => ((await serverStates()).alpha.admin & FDRAIN) !== 0, 100);
      console.log(`agent drain seen by haproxy after ${Date.now() - t0} ms`);
      expect(await whoViaVip()).toBe("delta");
    } finally {
      rmSync(drainFile, { force: true });
    }
    await until("alpha ready", 10_000, async () => ((await serverStates()).alpha.admin & FDRAIN) === 0, 100);
    expect(await whoViaVip()).toBe("alpha");
  });

  it("caveat: the agent's 'up ready' also lifts a drain set through the runtime API", async () => {
    await hapCmd("set server nfs_servers/alpha state drain");
    expect((await serverStates()).alpha.admin & FDRAIN).not.toBe(0);
    const t0 = Date.now();
    await until("agent ready", 10_000, async () => ((await serverStates()).alpha.admin & FDRAIN) === 0, 100);
    console.log(`runtime-API drain lifted by the agent after ${Date.now() - t0} ms`);
  });

  it("a stopped alpha (nothing listening) is marked DOWN", async () => {
    process.kill(ganesha.alpha, "SIGKILL");
    const downMs = await waitState("alpha", DOWN, 15_000);
    console.log(`killed alpha marked DOWN after ${downMs} ms`);
    expect(await whoViaVip()).toBe("delta");
  });
});
