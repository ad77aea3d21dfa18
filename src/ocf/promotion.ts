import { describe, run } from "../os/exec";
import type { Deadline } from "./deadline";
import type { Logger } from "./log";

/**
 * The promotion score of this resource on this node (the node attribute master-<instance> that
 * Pacemaker promotes by), through `crm_attribute --promotion -l reboot` like Stateful and crm_master.
 *
 * Cheap to call on every monitor: the first call reads the score (XML output), later calls use
 * what this process knows, and a write (a CIB update on every node) happens only when the value
 * changes; when the read fails nothing is written. Every call is bounded by the action's
 * deadline. Nothing here throws or fails the action: a failed or hung crm_attribute (linbit drbd
 * 077a313e: an IPC hang made monitors time out and the cluster restart everything) is a warning
 * and a `false` result, and the agent decides whether that matters (a monitor should ignore it;
 * start and promote may too, since Pacemaker then merely does not promote this node).
 */
export interface Promotion {
  /** the score here: a number (±Infinity for ±INFINITY), null when unset, undefined when it could not be read */
  get(): Promise<number | null | undefined>;
  /** make the score `n` (an integer or ±Infinity); true when it now has that value */
  set(n: number): Promise<boolean>;
  /** remove the score: this node must not be promoted; true when it is now unset */
  clear(): Promise<boolean>;
}

export interface PromotionOpts {
  /** OCF_RESOURCE_INSTANCE */
  instance: string;
  /** passed to crm_attribute (PATH, OCF_RESKEY_CRM_meta_on_node, CIB_file for tests, ...) */
  env: NodeJS.ProcessEnv;
  deadline: Deadline;
  log: Logger;
}

/** crm_attribute's "No such object": the attribute is not set */
const NOSUCH = 105;

export function formatScore(n: number): string {
  if (n === Infinity) return "INFINITY";
  if (n === -Infinity) return "-INFINITY";
  if (!Number.isSafeInteger(n)) throw new TypeError(`promotion score must be an integer or ±Infinity, got ${n}`);
  return String(n);
}

export function parseScore(v: string): number | undefined {
  const t = v.trim();
  if (/^[+-]?\d{1,15}$/.test(t)) return Number(t);
  if (/^\+?INFINITY$/i.test(t)) return Infinity;
  if (/^-INFINITY$/i.test(t)) return -Infinity;
  return undefined;
}

/** The value of the one <attribute> element of crm_attribute --output-as=xml (Pacemaker 2.1: api-result schema crm_attribute-2.x). */
export function attributeValue(xml: string): string | undefined {
  const el = /<attribute\s[^>]*>/.exec(xml)?.[0];
  const v = el && /\svalue="([^"]*)"/.exec(el)?.[1];
  return v?.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export function promotionScore(o: PromotionOpts): Promotion {
  // what this process knows: undefined = not read yet, null = unset, else the value as Pacemaker stores it
  let known: string | null | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = queue.then(f);
    queue = p.catch(() => undefined);
    return p;
  };
  const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...o.env, LC_ALL: "C" };

  const call = async (args: string[]) => {
    const argv = ["crm_attribute", `--promotion=${o.instance}`, "-l", "reboot", ...args];
    if (o.deadline.remaining() < 50) {
      o.log.warn(`promotion score: no time left for ${argv.join(" ")}`);
      return undefined;
    }
    const r = await run(argv, { timeoutMs: o.deadline.cap(Infinity), env });
    return { argv, r };
  };

  const read = async (): Promise<boolean> => {
    if (known !== undefined) return true;
    const c = await call(["-G", "--output-as=xml"]);
    if (!c) return false;
    const v = c.r.code === 0 ? attributeValue(c.r.stdout) : undefined;
    if (c.r.code === NOSUCH) known = null;
    else if (v !== undefined) {
      const n = parseScore(v);
      known = n === undefined ? v : formatScore(n); // "+10" and "10" are the same score
    } else {
      o.log.warn(`promotion score not read: ${describe(c.argv, c.r)}`);
      return false;
    }
    return true;
  };

  const write = async (value: string | null): Promise<boolean> => {
    if (!(await read())) return false;
    if (known === value) return true;
    const c = await call(value === null ? ["-D"] : ["-v", value]);
    if (!c) return false;
    if (c.r.code !== 0) {
      known = undefined; // a timed-out write may still land: read again next time
      o.log.warn(`promotion score not ${value === null ? "removed" : `set to ${value}`}: ${describe(c.argv, c.r)}`);
      return false;
    }
    o.log.debug(`promotion score ${known ?? "unset"} -> ${value ?? "unset"}`);
    known = value;
    return true;
  };

  return {
    get: () => serial(async () => ((await read()) ? (known === null ? null : parseScore(known!)) : undefined)),
    set: (n) => {
      const value = formatScore(n);
      return serial(() => write(value));
    },
    clear: () => serial(() => write(null)),
  };
}
