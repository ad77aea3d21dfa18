import { hostname } from "node:os";
import type { Deadline } from "../ocf/deadline";
import type { Logger } from "../ocf/log";
import { describe, run } from "../os/exec";
import { parseXml, type El } from "../xml";

/**
 * Pacemaker's command-line tools as the DRBD handlers use them: XML in (`cibadmin -Q`,
 * `crm_mon --output-as=xml`), XML out (`cibadmin --create/--replace/--delete -X`), never their text.
 * Every call is bounded by the caller's deadline; the exit codes that matter are Pacemaker 2.1's
 * crm_exit_t (105 no such object, 108 already exists), checked here against real cibadmin.
 */
export interface PcmkOpts {
  env: NodeJS.ProcessEnv;
  deadline: Deadline;
  log: Logger;
}

export const CRM_EX_NOSUCH = 105;
export const CRM_EX_EXISTS = 108;

const NODE_NAME = /^[A-Za-z0-9_][-A-Za-z0-9_.]*$/;

async function tool(o: PcmkOpts, argv: string[], limitMs: number) {
  const r = await run(argv, { timeoutMs: o.deadline.cap(limitMs), env: o.env });
  return { r, text: describe(argv, r) };
}

function xmlOf(out: string): El | undefined {
  try {
    return out.includes("<") ? parseXml(out) : undefined;
  } catch {
    return undefined;
  }
}

/** The CIB (from the DC when there is one); undefined with the reason when it cannot be had within `limitS`. */
export async function cibQuery(o: PcmkOpts, limitS: number): Promise<{ cib: El } | { cib: undefined; reason: string }> {
  const s = Math.max(1, Math.floor(limitS));
  const { r, text } = await tool(o, ["cibadmin", "--query", "--timeout", String(s)], s * 1000 + 2000);
  const cib = r.code === 0 ? xmlOf(r.stdout) : undefined;
  return cib ? { cib } : { cib: undefined, reason: r.code === 0 ? "cibadmin --query: no XML" : text };
}

/** crm_mon's view (quorum, node states, promoted instances); undefined when it does not answer. */
export async function crmMon(o: PcmkOpts, limitMs = 10_000): Promise<El | undefined> {
  const { r, text } = await tool(o, ["crm_mon", "--one-shot", "--output-as=xml"], limitMs);
  const x = xmlOf(r.stdout);
  if (!x) o.log.warn(`no crm_mon XML: ${text}`);
  return x;
}

/** This node's name for Pacemaker (`crm_node -n` prints a bare name), else the host name as linbit uses. */
export async function localNodeName(o: PcmkOpts): Promise<string> {
  const { r, text } = await tool(o, ["crm_node", "--name"], 5000);
  const name = r.stdout.trim();
  if (r.code === 0 && NODE_NAME.test(name)) return name;
  o.log.warn(`crm_node --name gave no node name (${text}); using the host name`);
  return hostname();
}

export type Write = { ok: true; note?: "exists" | "missing" } | { ok: false; reason: string };

/**
 * One constraint write, retried (every second, within the deadline less `reserveMs`) while the CIB
 * is busy or the DC changes. "Already exists" (create) and "no such object" (replace) are answers
 * for the caller, not failures; delete of an absent object succeeds in cibadmin itself.
 */
async function write(o: PcmkOpts, argv: string[], reserveMs: number): Promise<Write> {
  for (;;) {
    const { r, text } = await tool(o, argv, 30_000);
    if (r.code === 0) return { ok: true };
    if (r.code === CRM_EX_EXISTS && argv.includes("--create")) return { ok: true, note: "exists" };
    if (r.code === CRM_EX_NOSUCH && argv.includes("--replace")) return { ok: true, note: "missing" };
    if (r.error?.code === "ENOENT") return { ok: false, reason: text };
    o.log.warn(`${text}: retrying`);
    if (o.deadline.remaining() < reserveMs + 1500) return { ok: false, reason: text };
    await o.deadline.sleep(1000);
  }
}

export const createConstraint = (o: PcmkOpts, xml: string, reserveMs = 0) => write(o, ["cibadmin", "--create", "--scope", "constraints", "--xml-text", xml], reserveMs);
export const replaceConstraint = (o: PcmkOpts, xml: string, reserveMs = 0) => write(o, ["cibadmin", "--replace", "--scope", "constraints", "--xml-text", xml], reserveMs);
export const deleteConstraint = (o: PcmkOpts, tag: string, id: string, reserveMs = 0) =>
  write(o, ["cibadmin", "--delete", "--scope", "constraints", "--xml-text", `<${tag} id="${id.replace(/[<>&"]/g, "")}"/>`], reserveMs);
