import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../lab/lib/host";
import { loadAllAgents } from "../../agents/index";
import type { AgentDecl, ParamDecl } from "../../src/ocf/declare";
import { actionNames } from "../../src/ocf/runtime";
import { PROGRAM_NAMES, loadProgram, programPath } from "../../src/programs/index";
import type { ProgramDecl } from "../../src/programs/program";
import { BIN, Scratch, shOut } from "./fixture";
import { machine, NET, runIn, switchOf, type Res } from "./ganesha-fixture";

/**
 * Hostile parameters, tried as a careless or malicious user would: every agent of the registry ×
 * every parameter of its declaration × each hostile value × validate-all, start and stop, plus the
 * actions an agent does not implement; and every other program of the registry (haproxy-check, the
 * DRBD handlers) × every variable of its declared environment and every argument × each hostile
 * value. Taken from the registries and the declarations, so a new agent, program or parameter is
 * covered without touching this file.
 *
 * Each call must end with an OCF exit code, a failure with exactly one exit reason (that survives
 * the pipe), no stack trace, no "internal error", bounded output; no injected command may run (a
 * canary file per case) and no mount may be left behind.
 *
 * Everything runs in a throwaway box (new net, mount, uts and pid namespaces) whose host
 * filesystems are read-only: a value like "/" for a directory the agent writes to cannot touch
 * this machine, and programs that would change the shared kernel (modprobe, DRBD tools, sysctl)
 * are replaced by a stub that refuses.
 */

const CANARY = "/run/hanfs-canary";
const canary = (i: number) => `${CANARY}-${i}`;

/** One or two values per kind of trouble; `c` is the case's canary file. */
const VALUES: Array<[string, (c: string) => string]> = [
  ["shell metacharacters", (c) => `x; touch ${c} | cat && true`],
  ["$(...)", (c) => `$(touch ${c})`],
  ["backticks", (c) => `\`touch ${c}\``],
  ["newline", (c) => `x\ntouch ${c}`],
  ["64 KiB", () => "a".repeat(65536)],
  ["unicode", () => "ñandú/日本語/🙂"],
  ["leading -", () => "-rf"],
  ["negative", () => "-1"],
  ["out of range", () => "99999999999999999999"],
  ["hex", () => "0x1F"],
  ["exponent", () => "1e3"],
  ["relative path", () => "relative/dir"],
  ["/", () => "/"],
  ["/proc path", () => "/proc/sys/kernel/hostname"],
];

/** Valid values for the required parameters that make start fail early and touch nothing. */
const BASE: Record<string, Record<string, string>> = {
  Filesystem: { device: "/dev/hanfs-hostile-none", directory: "/run/hostile/mnt", fstype: "ext4" },
  nfsserver: { server: "ganesha", ganesha_binary: "/nonexistent/ganesha.nfsd", ganesha_run_dir: "/run/hostile/ganesha" },
  exportfs: { server: "ganesha", clientspec: `${NET}.0/24`, directory: "/run/hostile/export", ganesha_run_dir: "/run/hostile/ganesha" },
};

/**
 * Settings that get a program past its first checks quickly, touching nothing: argv and
 * environment. The handlers get short time limits (the CIB tools are refused in the box, and they
 * would retry for their default 90 s).
 */
const HANDLER = { argv: ["--timeout=4", "--dc-timeout=1", "--flock-timeout=1"], env: { DRBD_RESOURCE: "r0", DRBD_MINOR: "0", DRBD_PEER: "delta", HANFS_PROC_DRBD: "/run/hostile/proc-drbd" } };
const PROGRAM_BASE: Record<string, { argv: string[]; env: Record<string, string> }> = {
  "haproxy-check": { argv: [`${NET}.100`, "2049", "127.0.0.1", "1"], env: { HAPROXY_PROXY_NAME: "nfs", HAPROXY_SERVER_NAME: "hostile", HANFS_CHECK_CONF: "/run/hostile/no-such.conf" } },
  "drbd-fence-peer": HANDLER,
  "drbd-unfence-peer": HANDLER,
};

/** A program this file does not know yet: each declared variable set to a plain value, no arguments. */
function derivedProgramBase(p: ProgramDecl): { argv: string[]; env: Record<string, string> } {
  return { argv: [], env: Object.fromEntries(envNames(p).map((k) => [k, "hostile0"])) };
}

/** The variables a program declares; a family like DRBD_NODE_ID_<n> as its first member. */
const envNames = (p: ProgramDecl) => Object.keys(p.env).map((k) => k.replace(/<[^>]*>/g, "0"));

/** An agent this file does not know yet: a plain value for each required parameter. */
function derivedBase(a: AgentDecl<Record<string, ParamDecl>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, d] of Object.entries(a.params)) {
    if (!d.required) continue;
    out[k] = d.type === "integer" ? String(d.min ?? 1) : d.type === "boolean" ? "false" : "hostile0";
  }
  return out;
}

/** Action names no agent should implement (or that are themselves hostile). */
const ODD_ACTIONS = ["promote", "demote", "notify", "reload", "migrate_to", "migrate_from", "recover", "bogus", "$(touch /run/hanfs-canary-action)", "-h", "x".repeat(70000)];

/** Programs that would change the kernel every namespace shares. */
const REFUSED = ["modprobe", "rmmod", "insmod", "sysctl", "drbdadm", "drbdsetup", "drbdmeta", "crm_attribute", "cibadmin", "crm_resource", "crm_mon", "systemctl", "exportfs", "rpc.nfsd"];
const STUB = `#!/bin/sh\necho "hostile corpus: $(basename "$0") refused" >&2\nexit 1\n`;

const OCF_CODES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191]);

interface Case {
  id: number;
  agent: string;
  action: string;
  params: Record<string, string>;
  what: string;
  /** exit codes this case may end with (undefined: any OCF code) */
  codes?: number[];
  /** a program of the registry (not an agent): its argv and environment */
  program?: { argv: string[]; env: Record<string, string> };
}

let s: Scratch;
let box: Host;
let provider: string;
let agents: Record<string, AgentDecl<Record<string, ParamDecl>>>;
let programs: Record<string, ProgramDecl>;
let installRoot: string;

const inBox = async (argv: string[], input?: string) => {
  const r = await runIn(box, argv, { input, timeout: 20_000 });
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const mountsInBox = async () =>
  (await inBox(["cat", "/proc/self/mountinfo"]))
    .split("\n")
    .filter(Boolean)
    .map((l: string) => {
      const f = l.split(" ");
      return `${f[4]} ${f[f.indexOf("-", 6) + 1]}`;
    })
    .sort();

beforeAll(async () => {
  s = new Scratch();
  const root = (installRoot = s.mkdir("root"));
  await shOut([BIN, "install", "--root", root]);
  provider = join(root, "usr/lib/ocf/resource.d/hanfs");
  box = await machine(s, await switchOf(s), "hostile", `${NET}.70`);
  // the host's filesystems read-only in the box (per mount: this namespace only); /run is the box's tmpfs
  await inBox([
    "sh",
    "-c",
    `for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u); do case $m in /proc|/proc/*|/sys|/sys/*|/run|/run/*) ;; *) mount -o remount,bind,ro "$m" 2>/dev/null ;; esac; done
     ! touch /hanfs-hostile-probe 2>/dev/null && ! touch /tmp/hanfs-hostile-probe 2>/dev/null
     mount -t tmpfs hanfs-hostile-varlib /var/lib/nfs
     mkdir -p /run/hostile/bin && cat > /run/hostile/bin/refuse && chmod 755 /run/hostile/bin/refuse
     for p in ${REFUSED.join(" ")}; do for d in /usr/sbin /usr/bin; do [ -f $d/$p ] && mount --bind /run/hostile/bin/refuse $d/$p; done; done; true`,
  ], STUB);
  agents = await loadAllAgents();
  programs = Object.fromEntries(await Promise.all(PROGRAM_NAMES.map(async (n) => [n, await loadProgram(n)] as const)));
}, 120_000);
afterAll(() => s?.cleanup());

async function runCase(c: Case): Promise<Res> {
  if (c.program) return runIn(box, [join(installRoot, programPath(c.agent)), ...c.program.argv], { env: { HA_LOGFACILITY: "none", ...c.program.env }, timeout: 30_000 });
  const env: Record<string, string> = { OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: `hostile-${c.id}`, HA_LOGFACILITY: "none", OCF_RESKEY_CRM_meta_timeout: "10000" };
  for (const [k, v] of Object.entries(c.params)) env[`OCF_RESKEY_${k}`] = v;
  return runIn(box, [join(provider, c.agent), c.action], { env, timeout: 30_000 });
}

/** What is wrong with one call's outcome (empty: nothing). */
function problems(c: Case, r: Res): string[] {
  const out: string[] = [];
  if (c.program) {
    // a program's contract is its declared codes, and a failure says why on stderr in one line of its own
    if (r.code === null || !c.codes!.includes(r.code)) out.push(`exit ${r.code} is not one of its codes ${c.codes!.join("/")}`);
    else if (r.code !== 0 && !r.stderr.trim()) out.push("no reason");
    if (r.stderr.split("\n").some((l) => l.length > 2000)) out.push("a line longer than 2000 characters");
  } else if (r.code === null || !OCF_CODES.has(r.code)) out.push(`exit ${r.code} is not an OCF code`);
  else if (c.codes && !c.codes.includes(r.code)) out.push(`exit ${r.code}, expected one of ${c.codes.join("/")}`);
  const reasons = r.stderr.split("\n").filter((l) => l.startsWith("ocf-exit-reason:"));
  if (!c.program && r.code !== null && r.code !== 0 && r.code !== 7 && r.code !== 8 && (reasons.length !== 1 || reasons[0].length <= "ocf-exit-reason:".length)) out.push(`${reasons.length} exit reasons`);
  if (/\n\s+at \S/.test(r.stderr)) out.push("stack trace");
  if (/internal error/i.test(r.stderr)) out.push("internal error");
  if (r.stderr.length + r.stdout.length > 16384) out.push(`${r.stderr.length + r.stdout.length} bytes of output`);
  return out;
}

/** Run `cases` with `n` at a time; the failures, described, and each call's time. */
async function runAll(cases: Case[], n = 6): Promise<{ bad: string[]; times: Array<[number, string]> }> {
  const bad: string[] = [];
  const times: Array<[number, string]> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const r = await runCase(c);
        times.push([r.ms, `${c.agent} ${c.action} ${c.what}`]);
        const p = problems(c, r);
        if (p.length) bad.push(`${c.agent} ${c.action} ${c.what}: ${p.join(", ")} | ${r.stderr.slice(0, 300).replace(/\n/g, " / ")}`);
      }
    }),
  );
  return { bad, times };
}

/** Run the corpus `cases`: no call with a problem, no canary (injected command) found, the box's mounts as `before`. */
async function expectClean(cases: Case[], of: string, before: string[]) {
  const t0 = Date.now();
  const { bad, times } = await runAll(cases);
  times.sort((x, y) => x[0] - y[0]);
  console.log(`hostile corpus: ${cases.length} calls of ${of} in ${((Date.now() - t0) / 1000).toFixed(1)} s, median call ${times[times.length >> 1][0]} ms, ${bad.length} with problems`);
  console.log(`slowest: ${times.slice(-5).map(([t, w]) => `${w.slice(0, 60)} ${t} ms`).join("; ")}`);
  expect(bad).toEqual([]);
  const canaries = await inBox(["sh", "-c", `ls -d ${CANARY}* 2>/dev/null || true`]);
  expect(canaries.trim(), "a command injected through a parameter, the environment or argv ran").toBe("");
  expect(await mountsInBox()).toEqual(before);
}

describe("hostile parameter corpus (every agent × every parameter × hostile values × validate-all/start/stop; every other program × its environment and argv)", () => {
  it("every call ends with an OCF code and one exit reason, never a trace or an internal error; nothing injected runs, no mount is left", async () => {
    const before = await mountsInBox();
    const cases: Case[] = [];
    for (const [name, a] of Object.entries(agents)) {
      const base = BASE[name] ?? derivedBase(a);
      for (const param of Object.keys(a.params)) {
        for (const [kind, value] of VALUES) {
          for (const action of ["validate-all", "start", "stop"]) {
            const id = cases.length;
            cases.push({ id, agent: name, action, params: { ...base, [param]: value(canary(id)) }, what: `${param}=<${kind}>` });
          }
        }
      }
      const known = actionNames(a);
      for (const action of ODD_ACTIONS.filter((x) => !known.includes(x))) cases.push({ id: cases.length, agent: name, action, params: base, what: `action ${action.slice(0, 40)}`, codes: [3] });
      cases.push({ id: cases.length, agent: name, action: "", params: base, what: "no action", codes: [2] });
    }
    await expectClean(cases, `${Object.keys(agents).length} agents (${Object.keys(agents).join(", ")})`, before);
  }, 900_000);

  it("every other program of the registry (haproxy-check, DRBD handlers) × its declared environment and its arguments: its own codes, a reason, no trace; nothing injected runs, no mount is left", async () => {
    const before = await mountsInBox();
    await inBox(["sh", "-c", "printf 'version: 8.4.11 (api:1/proto:86-101)\\n 0: cs:WFConnection ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\\n' > /run/hostile/proc-drbd"]);
    const cases: Case[] = [];
    for (const [name, p] of Object.entries(programs)) {
      const base = PROGRAM_BASE[name] ?? derivedProgramBase(p);
      const codes = Object.keys(p.codes).map(Number);
      const add = (what: string, program: Case["program"]) => cases.push({ id: cases.length, agent: name, action: "", params: {}, what, codes, program });
      for (const [kind, value] of VALUES) {
        for (const k of envNames(p)) add(`${k}=<${kind}>`, { argv: base.argv, env: { ...base.env, [k]: value(canary(cases.length)) } });
        base.argv.forEach((_, i) => add(`argv[${i}]=<${kind}>`, { argv: base.argv.map((a, j) => (i === j ? value(canary(cases.length)) : a)), env: base.env }));
        add(`extra argument <${kind}>`, { argv: [...base.argv, value(canary(cases.length))], env: base.env });
      }
      add("no arguments, no environment", { argv: [], env: {} });
    }
    await expectClean(cases, `${Object.keys(programs).length} programs (${Object.keys(programs).join(", ")})`, before);
  }, 900_000);

  it("a 70 KB value: the exit reason survives a pipe with a slow reader, 20 times out of 20", async () => {
    const env: Record<string, string> = { OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "big", HA_LOGFACILITY: "none", OCF_RESKEY_server: "ganesha", OCF_RESKEY_nfs_server_scope: "a".repeat(70_000) };
    let kept = 0;
    for (let i = 0; i < 20; i++) {
      // the reader sleeps first: everything the agent writes must reach the pipe before it exits
      const r = await runIn(box, ["sh", "-c", `"$0" validate-all 2>&1 >/dev/null | { sleep 0.2; cat; }`, join(provider, "nfsserver")], { env, timeout: 20_000 });
      if (/^ocf-exit-reason:parameter 'nfs_server_scope' may only contain .*, got 'a{100}/m.test(r.stdout)) kept++;
      expect(r.stdout.length).toBeLessThan(4096); // the value is echoed capped, not whole
    }
    expect(kept).toBe(20);
  }, 120_000);
});
