import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { readMounts, type Mount } from "../../src/os/mountinfo";
import { Run } from "../lab/lib/run";
import { PATH, sh, until } from "../lib/sh";

export { PATH };
export const BIN = resolve(__dirname, "../../dist/hanfs");

/** Run a tool (test/lib/sh.ts) and return its output; throws unless it exits 0. */
export const shOut = async (argv: string[], timeout = 30_000, input?: string) => (await sh(argv, { timeout, input })).stdout;

export interface AgentResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Run an installed agent the way pacemaker-execd does: clean environment, OCF_RESKEY_* params.
 * HA_RSCTMP is the scratch space's (next to the installed root), not the host's /run: state an
 * agent leaves behind (a failed stop) must not leak into the next test or onto the machine.
 */
export function agent(
  path: string,
  action: string,
  params: Record<string, string>,
  env: Record<string, string> = {},
  timeout = 120_000,
  onSpawn?: (c: ChildProcess) => void,
): Promise<AgentResult> {
  const rsctmp: Record<string, string> = path.includes("/root/usr/lib/ocf/") ? { HA_RSCTMP: path.replace(/\/root\/usr\/lib\/ocf\/.*$/, "/rsctmp") } : {};
  const e: Record<string, string> = { PATH, OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "fs", HA_LOGFACILITY: "none", ...rsctmp, ...env };
  for (const [k, v] of Object.entries(params)) e[`OCF_RESKEY_${k}`] = v;
  const t0 = Date.now();
  return new Promise((res) => {
    const c = spawn(path, [action], { env: e, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(c);
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => c.kill("SIGKILL"), timeout);
    c.on("close", (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

export const mountAt = (dir: string): Mount | undefined => readMounts().filter((m) => m.mountpoint === dir).pop();

/**
 * Per-test scratch space: a unique directory, loop devices, mounts and processes, all released
 * by cleanup() even when the test failed (called from afterEach/afterAll).
 */
export class Scratch {
  readonly dir = mkdtempSync("/tmp/hanfs-it-");
  private loops: string[] = [];
  private procs: ChildProcess[] = [];
  private hosts?: Run;
  constructor() {
    chmodSync(this.dir, 0o755); // ocf-tester runs meta-data as nobody
  }
  /** The registry of namespace hosts made for this scratch space (test/lab/lib/host.ts), killed by PID in cleanup. */
  get run(): Run {
    return (this.hosts ??= new Run());
  }
  path(...p: string[]) {
    return join(this.dir, ...p);
  }
  /** A fresh filesystem on a loop device over a sparse file. */
  async loopFs(fstype: "ext4" | "xfs", mb = 300, name = "disk"): Promise<string> {
    const img = this.path(`${name}.img`);
    await sh(["truncate", "-s", `${mb}M`, img]);
    await sh(fstype === "ext4" ? ["mkfs.ext4", "-q", "-F", img] : ["mkfs.xfs", "-q", "-f", img], { timeout: 60_000 });
    const dev = (await shOut(["losetup", "--find", "--show", img])).trim();
    this.loops.push(dev);
    return dev;
  }
  mkdir(...p: string[]) {
    const d = this.path(...p);
    mkdirSync(d, { recursive: true });
    return d;
  }
  /** Start a process we own; it is killed in cleanup. */
  spawn(argv: string[], cwd = "/"): ChildProcess {
    const c = spawn(argv[0], argv.slice(1), { cwd, stdio: "ignore", detached: true });
    c.on("error", () => {});
    this.procs.push(c);
    return c;
  }
  /** Synchronous on purpose: it also runs from exit paths where nothing asynchronous completes. */
  cleanup() {
    this.hosts?.destroySync();
    for (const c of this.procs) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    // unmount everything we left below our directory, deepest first, then release the loops
    const ours = readMounts().filter((m) => m.mountpoint.startsWith(this.dir + "/") || this.loops.includes(m.source));
    for (const m of ours.reverse()) spawnSync("umount", ["-l", m.mountpoint], { timeout: 10_000 });
    for (const l of this.loops) spawnSync("losetup", ["-d", l], { timeout: 10_000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A FUSE mount on `dir` whose INIT is never answered: every access to it blocks (like a hung NFS
 * server) until the returned function closes our end, which makes blocked calls fail (ENOTCONN).
 */
export function hungFuse(dir: string): () => void {
  const fd = openSync("/dev/fuse", "r+");
  const r = spawnSync("mount", ["-t", "fuse", "-o", "fd=3,rootmode=40000,user_id=0,group_id=0", "hung", dir], { stdio: ["ignore", "pipe", "pipe", fd], timeout: 5000 });
  if (r.status !== 0) {
    closeSync(fd);
    throw new Error(`mount of the hung FUSE on ${dir}: ${r.stderr}`);
  }
  return () => closeSync(fd);
}

/** true once the child has exited (reaped by our event loop). */
export const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

/** Poll `f` every `every` ms until it holds; throws after `ms` (test/lib/sh.ts until). */
export const waitFor = <T>(f: () => T | undefined | false, ms: number, every = 50): Promise<T> => until("condition", ms, f, every);

/** Install the built binary into a throw-away root and return the agent's path there. */
export async function installAgent(s: Scratch, name = "Filesystem"): Promise<string> {
  const root = s.mkdir("root");
  await sh([BIN, "install", "--root", root]);
  return join(root, "usr/lib/ocf/resource.d/hanfs", name);
}

/**
 * The real install path: an overlay over /usr/lib (inside the tests' private mount namespace, so the
 * host's /usr/lib never changes) and `hanfs install --root /`. Returns what install printed; the
 * overlay goes with removeUsrLibOverlay() (afterAll).
 */
export async function installOverUsrLib(s: Scratch): Promise<string> {
  const [upper, work] = [s.mkdir("usr-lib-upper"), s.mkdir("usr-lib-work")];
  await sh(["mount", "-t", "overlay", "hanfs-usr-lib", "-o", `lowerdir=/usr/lib,upperdir=${upper},workdir=${work}`, "/usr/lib"]);
  return shOut([BIN, "install", "--root", "/"]);
}

export const removeUsrLibOverlay = () => spawnSync("umount", ["-l", "/usr/lib"], { timeout: 10_000 });
