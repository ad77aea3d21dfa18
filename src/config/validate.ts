/**
 * Check generated configuration with the tools that will read it, without a cluster:
 * crmsh loads the crm text into a shadow CIB (CIB_shadow in a temporary directory) that
 * crm_verify then checks; drbdadm parses the resource file; haproxy -c parses its file. Every
 * call is bounded. A tool that is not installed is reported as a check not done, never as a pass.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunResult, describe, run } from "../os/exec";

export interface CheckResult {
  what: string;
  status: "ok" | "failed" | "not-run";
  detail: string;
}

const PATH = "/usr/sbin:/usr/bin:/sbin:/bin";
// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
/** lines that are not noise: crmsh and Pacemaker prefix problems with ERROR/WARNING/error/warning */
const complaints = (r: RunResult) =>
  plain(r.stdout + r.stderr)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /\b(error|warning|ERROR|WARNING|CRIT)\b/.test(l));

function which(prog: string, dirs = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]): string | undefined {
  return dirs.map((d) => join(d, prog)).find((p) => existsSync(p));
}

/** The agents the configuration names that this host cannot describe (not installed). */
export async function missingAgents(agents: string[], timeoutMs = 15_000): Promise<string[]> {
  if (!which("crm_resource")) return agents;
  const missing: string[] = [];
  for (const a of agents) {
    const r = await run(["crm_resource", "--show-metadata", a], { timeoutMs, env: { PATH, LC_ALL: "C" } });
    if (r.code !== 0 || !r.stdout.includes("<resource-agent")) missing.push(a);
  }
  return missing;
}

/** A CIB with the nodes known and quorum, so constraints naming nodes and the status check are what a live cluster sees. */
export function shadowCib(empty: string, nodes: string[]): string {
  const xmlNodes = nodes.map((n, i) => `<node id="${i + 1}" uname="${n}"/>`).join("");
  // both nodes online members: otherwise crm_verify rightly schedules their fencing and warns
  const states = nodes.map((n, i) => `<node_state id="${i + 1}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member"/>`).join("");
  return empty
    .replace("<nodes/>", `<nodes>${xmlNodes}</nodes>`)
    .replace("<status/>", `<status>${states}</status>`)
    .replace(/^<cib /, '<cib have-quorum="1" ');
}

/** crmsh load into a shadow CIB + crm_verify. */
export async function checkCrm(text: string, nodes: string[], agents: string[]): Promise<CheckResult[]> {
  const what = "crm configure load update (crmsh, shadow CIB) + crm_verify";
  if (!which("crm") || !which("crm_verify") || !which("cibadmin")) return [{ what, status: "not-run", detail: "crmsh or pacemaker-cli-utils not installed" }];
  const missing = await missingAgents(agents);
  if (missing.length)
    return [{ what, status: "failed", detail: `not installed on this host, so nothing can be checked against their meta-data: ${missing.join(", ")}` }];
  const dir = mkdtempSync(join(tmpdir(), "hanfs-crm-config-"));
  try {
    const env = { PATH, LC_ALL: "C", HOME: dir, TERM: "dumb", CIB_shadow_dir: dir, CIB_shadow: "hanfs" };
    const empty = await run(["cibadmin", "--empty"], { timeoutMs: 15_000, env });
    if (empty.code !== 0) return [{ what, status: "failed", detail: describe(["cibadmin", "--empty"], empty) }];
    const shadow = join(dir, "shadow.hanfs");
    writeFileSync(shadow, shadowCib(empty.stdout, nodes));
    const file = join(dir, "hanfs.crm");
    writeFileSync(file, text);
    const argv = ["crm", "configure", "load", "update", file];
    const load = await run(argv, { timeoutMs: 120_000, env, cwd: dir });
    const said = complaints(load);
    if (load.code !== 0 || said.length) return [{ what, status: "failed", detail: said.join("\n") || describe(argv, load) }];
    const vArgv = ["crm_verify", "-V", "-x", shadow];
    const verify = await run(vArgv, { timeoutMs: 60_000, env });
    const vSaid = complaints(verify);
    if (verify.code !== 0 || vSaid.length) return [{ what, status: "failed", detail: vSaid.join("\n") || describe(vArgv, verify) }];
    const cib = readFileSync(shadow, "utf8");
    return [{ what, status: "ok", detail: `${(cib.match(/<primitive /g) ?? []).length} primitives loaded, crm_verify clean` }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** drbdadm parses the file for any host (`dump all`); 8.4 syntax needs the 8.4 drbdadm. */
export async function checkDrbd(text: string, version: "8.4" | "9"): Promise<CheckResult> {
  const what = `drbdadm ${version} parse`;
  const adm = version === "8.4" ? which("drbdadm-84", ["/usr/lib/drbd", "/lib/drbd"]) : which("drbdadm");
  if (!adm) return { what, status: "not-run", detail: "drbd-utils not installed" };
  const dir = mkdtempSync(join(tmpdir(), "hanfs-drbd-"));
  try {
    const file = join(dir, "r.res");
    writeFileSync(file, text);
    const argv = [adm, "-c", file, "dump", "all"];
    const r = await run(argv, { timeoutMs: 15_000, env: { PATH, LC_ALL: "C" } });
    // drbdadm notes a missing kernel module on stderr (modinfo): not a problem of the file
    return r.code === 0 ? { what, status: "ok", detail: "parsed" } : { what, status: "failed", detail: describe(argv, r) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function checkHaproxy(text: string): Promise<CheckResult> {
  const what = "haproxy -c";
  if (!which("haproxy")) return { what, status: "not-run", detail: "haproxy not installed" };
  const dir = mkdtempSync(join(tmpdir(), "hanfs-haproxy-"));
  try {
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, text);
    const argv = ["haproxy", "-c", "-f", file];
    const r = await run(argv, { timeoutMs: 15_000, env: { PATH, LC_ALL: "C" } });
    const said = complaints(r).filter((l) => !/Configuration file is valid/.test(l));
    return r.code === 0 && !said.length ? { what, status: "ok", detail: "valid" } : { what, status: "failed", detail: said.join("\n") || describe(argv, r) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
