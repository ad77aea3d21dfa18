import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { defaultState, renderProc, type FakeRes, type FakeState } from "./model";

export { defaultRes, defaultState, type FakeRes, type FakeState } from "./model";

const PROGS = ["drbdadm", "drbdsetup", "modprobe", "modinfo", "crm_attribute"];
let bundled: Promise<string> | undefined;

/** cli.ts as one CommonJS file (esbuild, as the product is built), once per test process. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), "hanfs-fake-drbd-bin-")), "cli.js");
    await build({ entryPoints: [join(__dirname, "cli.ts")], outfile: out, bundle: true, platform: "node", format: "cjs", logLevel: "warning" });
    chmodSync(join(out, ".."), 0o755);
    return out;
  })();
  return bundled;
}

/**
 * A fake DRBD for one node: stub drbdadm, drbdsetup, modprobe, modinfo and crm_attribute on PATH
 * that act on a JSON state and keep a /proc/drbd rendering of it up to date (HANFS_PROC_DRBD points
 * the product there). Everything lives in one temporary directory; cleanup() removes it.
 */
export class FakeDrbd {
  private constructor(
    readonly dir: string,
    readonly bin: string,
  ) {}

  static async create(state: Partial<FakeState> = {}, res: Partial<FakeRes> = {}): Promise<FakeDrbd> {
    const cli = await bundle();
    const dir = mkdtempSync(join(tmpdir(), "hanfs-fake-drbd-"));
    chmodSync(dir, 0o755); // crm_resource --validate runs the agent as nobody in the integration test
    const bin = join(dir, "bin");
    mkdirSync(bin);
    mkdirSync(join(dir, "rsctmp"));
    for (const p of PROGS) writeFileSync(join(bin, p), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "${dir}" ${p} "$@"\n`, { mode: 0o755 });
    writeFileSync(join(dir, "drbd.conf"), "# fake: the stub drbdadm answers from state.json\n", { mode: 0o644 });
    writeFileSync(join(dir, "calls.log"), "", { mode: 0o666 });
    chmodSync(join(dir, "calls.log"), 0o666);
    const f = new FakeDrbd(dir, bin);
    const s = { ...defaultState(), ...state };
    s.res = { ...s.res, r0: { ...s.res.r0, ...res } };
    f.write(s);
    return f;
  }

  get procPath() {
    return join(this.dir, "proc_drbd");
  }
  get conf() {
    return join(this.dir, "drbd.conf");
  }

  state(): FakeState {
    return JSON.parse(readFileSync(join(this.dir, "state.json"), "utf8"));
  }

  write(s: FakeState) {
    writeFileSync(join(this.dir, "state.json"), JSON.stringify(s, null, 1), { mode: 0o666 });
    const proc = renderProc(s);
    if (proc === undefined) rmSync(this.procPath, { force: true });
    else writeFileSync(this.procPath, proc, { mode: 0o644 });
  }

  /** Change the state (the kernel's, the peer's, faults) as a test step. */
  set(f: (s: FakeState, r0: FakeRes) => void) {
    const s = this.state();
    f(s, s.res.r0);
    this.write(s);
  }

  /** A running resource in the given shape without going through start (what a reboot-less probe finds). */
  up(r: Partial<FakeRes> = {}) {
    this.set((s, r0) => {
      s.loaded = true;
      Object.assign(r0, { exists: true, minors: true, attached: r0.diskConfigured, net: true }, r);
    });
  }

  /** Environment of an agent or handler run against this fake. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: `${this.bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
      HANFS_PROC_DRBD: this.procPath,
      HA_RSCTMP: join(this.dir, "rsctmp"),
      HA_LOGFACILITY: "none",
      ...extra,
    };
  }

  calls(): string[] {
    const f = join(this.dir, "calls.log");
    return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
  }

  clearCalls() {
    writeFileSync(join(this.dir, "calls.log"), "");
  }

  /** crm_attribute calls that change the score. */
  scoreWrites(): string[] {
    return this.calls().filter((c) => c.startsWith("crm_attribute ") && / -v | -D( |$)/.test(c));
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
