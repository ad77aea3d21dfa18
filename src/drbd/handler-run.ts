import { classifyExisting, locationById } from "../cib/constraints";
import { cibQuery, createConstraint, crmMon, deleteConstraint, localNodeName, replaceConstraint, type PcmkOpts } from "../cib/tools";
import type { Deadline } from "../ocf/deadline";
import type { Logger } from "../ocf/log";
import { acquireLock } from "../os/lockfile";
import { toXml, type El } from "../xml";
import type { DrbdResource } from "./events2";
import { decide, drbdInputs, worthWaiting, type FenceDecision, type FenceExit, type FenceInput } from "./fence";
import { clusterView, type ClusterView } from "./fence-cib";
import { lockPath, type HandlerArgs } from "./handler-args";
import type { HandlerEnv } from "./handler-env";
import { readEvents2, readProc } from "./kernel";
import { resourceFromProc } from "./proc";

/**
 * The fence-peer / unfence-peer run: lock, read DRBD (8.4: /proc/drbd only, never netlink: the handler
 * may run while `drbdsetup primary` holds the genetlink lock), read Pacemaker (XML), decide (fence.ts,
 * pure), act by constraint id, check what was written. Exit codes come from decide() only; when the
 * action it decided could not be carried out the run ends with 1 ("no decision"), never 3-7.
 */
export interface HandlerSettings {
  mode: "fence" | "unfence";
  env: HandlerEnv;
  args: HandlerArgs;
  /** environment for the tools (PATH, LC_ALL, CIB_file in tests, HANFS_PROC_DRBD in tests) */
  tools: NodeJS.ProcessEnv;
  /** this node's Pacemaker name when the caller knows it (the agent); else crm_node asks */
  me?: string;
}

export interface HandlerSession {
  deadline: Deadline;
  log: Logger;
}

type State = DrbdResource | undefined | "unreadable";

/** DRBD's view of the resource, from the source this family allows inside a handler. */
export async function readDrbd(s: HandlerSettings, deadline: Deadline): Promise<State> {
  const { env } = s;
  if (env.family === "8.4") {
    const proc = readProc(s.tools);
    if (!proc || !env.minors.length) return "unreadable";
    return resourceFromProc(proc, env.resource, env.minors);
  }
  const ev = await readEvents2(env.resource, { timeoutMs: deadline.cap(10_000), env: s.tools });
  return ev.ok ? ev.resource : "unreadable";
}

function inputsOf(s: HandlerSettings, st: State): Pick<FenceInput, "local" | "peerDisks"> {
  if (st === "unreadable" || !st) return { local: { disks: [] }, peerDisks: [] };
  // 9: the connection DRBD called us for; 8.4's single peer is node 0
  const ids = s.env.family === "9" && s.env.peerNodeId !== undefined ? [s.env.peerNodeId] : undefined;
  return drbdInputs(st, ids);
}

/** What the run leaves for placing or removing the constraint and checking it: a tenth of the time, 2 to 10 s. */
const reserveOf = (s: HandlerSettings) => Math.min(10_000, Math.max(2000, s.args.timeoutS * 100));

export async function runHandler(s: HandlerSettings, sess: HandlerSession): Promise<FenceExit> {
  const { log, deadline } = sess;
  const say = (m: string) => (s.args.quiet ? log.debug(m) : log.info(m));
  for (const n of s.args.notes) log.info(n);
  const lockAt = lockPath(s.args, s.env.resource);
  let release = () => {};
  if (lockAt) {
    const l = await acquireLock(lockAt, { deadline, waitMs: s.args.lockTimeoutS * 1000 });
    if ("busy" in l) {
      if (s.args.lockRequired) {
        log.err(`no lock: ${l.busy} (--flock-required)`);
        return 1;
      }
      log.warn(`going on without the lock: ${l.busy}`);
    } else release = l.release;
  }
  try {
    const o: PcmkOpts = { env: s.tools, deadline, log };
    const me = s.me ?? (await localNodeName(o));
    say(`${s.mode}-peer for ${s.env.resource} on ${me}: DRBD ${s.env.family}, peer ${s.env.peers.join(",") || "(not named)"}, minors ${s.env.minors.join(",") || "-"}`);
    return s.mode === "fence" ? await fence(s, sess, o, me) : await unfence(s, sess, o, me);
  } finally {
    release();
  }
}

interface Round {
  st: State;
  view: ClusterView | undefined;
  cib: El | undefined;
  input: FenceInput;
  dec: FenceDecision;
}

/** Read DRBD and Pacemaker once and decide. */
async function round(s: HandlerSettings, sess: HandlerSession, o: PcmkOpts, me: string, cibLimitS: number): Promise<Round> {
  const st = await readDrbd(s, sess.deadline);
  const q = await cibQuery(o, cibLimitS);
  if (!q.cib) sess.log.warn(`CIB not readable: ${q.reason}`);
  const mon = q.cib && s.mode === "fence" ? await crmMon(o) : undefined;
  const keep = [me, ...s.env.upToDatePeers];
  const view = q.cib ? clusterView(q.cib, mon, { res: s.env.resource, me, peers: s.env.peers, keep, clone: s.args.clone }) : undefined;
  if (view && !view.ok) sess.log.err(view.reason);
  const ok = view?.ok ? view : undefined;
  const input: FenceInput = {
    mode: s.mode,
    ...inputsOf(s, st),
    peers: ok?.peers ?? [],
    cib: !!ok,
    quorum: ok?.quorum,
    peerPromoted: ok?.peerPromoted ?? false,
    existing: ok?.existing ?? "none",
    onlyIfOwner: s.args.unfenceOnlyIfOwnerMatch,
  };
  return { st, view, cib: q.cib, input, dec: decide(input) };
}

async function fence(s: HandlerSettings, sess: HandlerSession, o: PcmkOpts, me: string): Promise<FenceExit> {
  const { deadline, log } = sess;
  const t0 = Date.now();
  const reserve = reserveOf(s);
  let tries = 0;
  let x: Round;
  for (;;) {
    // cibadmin's own timeout grows 1, 2, 2, 3, 3, ... s: quick while the DC answers, patient during an election
    const limit = Math.min(1 + Math.floor(++tries / 2), Math.max(1, (deadline.remaining() - reserve) / 1000));
    x = await round(s, sess, o, me, limit);
    const elapsed = Date.now() - t0;
    const left = deadline.remaining() - reserve;
    if (x.view && !x.view.ok) return 1;
    const online = x.input.peers.length > 0 && x.input.peers.every((p) => p === "online");
    if (x.dec.action === "place" && online && elapsed < s.args.netHickupS * 1000 && left > 1000) {
      log.info(`peer reachable: waiting up to --net-hickup=${s.args.netHickupS} s for the replication link to come back`);
      await deadline.sleep(1000);
      continue;
    }
    const stonith = x.view?.ok ? x.view.stonith : true;
    const waitCib = !x.input.cib && elapsed < s.args.dcTimeoutS * 1000;
    if ((x.input.cib ? worthWaiting(x.input, stonith) : waitCib) && left > 2000) {
      log.info(`waiting: ${x.input.cib ? `peer ${s.env.peers.join(",") || "?"} is ${x.input.peers.join(",") || "unknown"} (fencing pending)` : "no CIB from a DC yet"}`);
      await deadline.sleep(2000);
      continue;
    }
    break;
  }
  const view = x.view?.ok ? x.view : undefined;
  log[x.dec.exit === 1 ? "warn" : "info"](`decision: ${x.dec.reason} (local ${x.input.local.role ?? "?"} ${x.input.local.disks.join(",") || "?"}, peer disk ${x.input.peerDisks.join(",") || "?"}, peer ${x.input.peers.join(",") || "-"}, quorum ${x.input.quorum ?? "?"}, constraint ${x.input.existing})`);
  if (x.dec.action !== "place" || !view) return x.dec.exit;

  const keep = [me, ...s.env.upToDatePeers];
  const w = view.existing === "other" ? await replaceConstraint(o, view.constraintXml) : await createConstraint(o, view.constraintXml);
  if (!w.ok) return fail(log, `could not place ${view.constraintId}: ${w.reason}`);
  if (w.note === "missing") {
    const c = await createConstraint(o, view.constraintXml);
    if (!c.ok) return fail(log, `could not place ${view.constraintId}: ${c.reason}`);
  }
  // read back what is there now
  const readBack = async () => {
    const q = await cibQuery(o, Math.max(1, Math.min(10, deadline.remaining() / 1000)));
    return q.cib ? classifyExisting(locationById(q.cib, view.constraintId), { clone: view.clone, keep }, me) : undefined;
  };
  let now = await readBack();
  if (w.note === "exists" && now !== "equivalent" && now !== undefined) {
    // the same id written meanwhile, most likely by the peer's handler fencing us: decide again
    const again = decide({ ...x.input, existing: now });
    log.warn(`${view.constraintId} appeared meanwhile (${now}): ${again.reason}`);
    if (again.action !== "place") return again.exit;
    const r = await replaceConstraint(o, view.constraintXml);
    if (!r.ok) return fail(log, `could not replace ${view.constraintId}: ${r.reason}`);
    now = await readBack();
  }
  if (now !== "equivalent") return fail(log, `${view.constraintId} is not in the CIB as written (${now ?? "CIB not readable"})`);
  log.info(`placed ${view.constraintId}: ${view.clone} may be Promoted only on ${keep.join(", ")}`);

  // the link may have come back while we worked: then the constraint would only block a failover
  const again = inputsOf(s, await readDrbd(s, deadline));
  if (again.peerDisks.length && again.peerDisks.every((d) => d === "UpToDate")) {
    const d = await deleteConstraint(o, "rsc_location", view.constraintId);
    log.info(`the peer's disks are UpToDate again: ${d.ok ? "removed" : `could not remove (${d.reason})`} ${view.constraintId}`);
  }
  return x.dec.exit;
}

function fail(log: Logger, reason: string): 1 {
  log.err(`${reason}: exiting 1, DRBD keeps IO frozen (resource-and-stonith) or does not outdate the peer`);
  return 1;
}

async function unfence(s: HandlerSettings, sess: HandlerSession, o: PcmkOpts, me: string): Promise<FenceExit> {
  const { deadline, log } = sess;
  const reserve = reserveOf(s);
  const t0 = Date.now();
  let x: Round;
  let tries = 0;
  for (;;) {
    const limit = Math.min(1 + Math.floor(++tries / 2), Math.max(1, (deadline.remaining() - reserve) / 1000));
    x = await round(s, sess, o, me, limit);
    // like fence: the CIB is asked for until --dc-timeout, not for the whole --timeout
    const waited = Date.now() - t0 >= s.args.dcTimeoutS * 1000;
    if (x.input.cib || (x.view && !x.view.ok) || waited || deadline.remaining() - reserve < 2000) break;
    await deadline.sleep(2000);
  }
  if (x.view && !x.view.ok) return 1;
  log[x.dec.exit === 0 ? "info" : "warn"](`decision: ${x.dec.reason}`);
  const view = x.view?.ok ? x.view : undefined;
  if (x.dec.action !== "remove" || !view || !x.cib) return x.dec.exit;
  const saved = locationById(x.cib, view.constraintId);
  const d = await deleteConstraint(o, "rsc_location", view.constraintId);
  if (!d.ok) {
    log.err(`could not remove ${view.constraintId}: ${d.reason}`);
    return 1;
  }
  log.info(`removed ${view.constraintId}`);
  // a new disconnect between our read and the delete: the peer's fence-peer may not have run yet, so
  // keep its ban until it does (it replaces it by id if it thinks otherwise)
  const again = inputsOf(s, await readDrbd(s, deadline));
  const up = (xs: string[]) => xs.length > 0 && xs.every((v) => v === "UpToDate");
  if (saved && !(up(again.local.disks) && up(again.peerDisks))) {
    const p = await createConstraint(o, toXml(saved));
    log.warn(`disks no longer all UpToDate (local ${again.local.disks.join(",") || "?"}, peer ${again.peerDisks.join(",") || "?"}): ${p.ok ? "put back" : `could not put back (${p.reason})`} ${view.constraintId}`);
  }
  return x.dec.exit;
}
