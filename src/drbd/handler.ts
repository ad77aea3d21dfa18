import { Deadline } from "../ocf/deadline";
import { run } from "../os/exec";
import { defineProgram, type ProgramDecl } from "../programs/program";
import { ExitError } from "../programs/runtime";
import { parseHandlerArgs } from "./handler-args";
import { readHandlerEnv } from "./handler-env";
import { runHandler, type HandlerSettings } from "./handler-run";

/**
 * /usr/lib/hanfs/drbd-fence-peer and /usr/lib/hanfs/drbd-unfence-peer: one program, the mode from
 * the name it is invoked by. DRBD 8.4: `fence-peer` and `after-resync-target`; DRBD 9: `fence-peer`
 * and `unfence-peer`. Options: crm-fence-peer.9.sh's (handler-args.ts). Logs to syslog, facility
 * daemon like the agents (--logfacility or HA_LOGFACILITY to change it; linbit used local5).
 */
type Code = 0 | 1 | 3 | 4 | 5 | 6 | 7;

const ENV = {
  DRBD_RESOURCE: "resource name (both versions; -r/--resource overrides it)",
  DRBD_MINOR: "8.4: the resource's minors (fence-peer) or the volume's minor (after-resync-target); 9: DRBD_MINOR_<volume>",
  DRBD_PEER: "8.4: the peer's host name (also DRBD_PEERS)",
  DRBD_CONF: "the DRBD configuration file",
  DRBD_MY_NODE_ID: "9: this node's id",
  DRBD_PEER_NODE_ID: "9: the id of the peer DRBD called the handler for",
  "DRBD_NODE_ID_<n>": "9: host name of node n",
  UP_TO_DATE_NODES: "9: hex mask of the node ids with UpToDate data",
  HANFS_PROC_DRBD: "tests only: read this file instead of /proc/drbd",
} as const;

const CODES: Record<Code, string> = {
  0: "unfence: done or nothing to do",
  1: "no decision (CIB unreadable, no quorum, a write that did not land): DRBD treats it as a broken helper and keeps IO frozen",
  3: "the peer's disk is Inconsistent",
  4: "the peer cannot be promoted: constraint in place (or its disk is Outdated)",
  5: "the peer is unreachable (constraint placed only if our data is UpToDate)",
  6: "the peer is Primary, or fenced us first: DRBD outdates this node",
  7: "the peer is down cleanly or fenced: constraint in place",
};

function handler(mode: "fence" | "unfence"): ProgramDecl<HandlerSettings, Code> {
  const name = mode === "fence" ? "drbd-fence-peer" : "drbd-unfence-peer";
  return defineProgram<HandlerSettings, Code>({
    name,
    summary: mode === "fence" ? "DRBD fence-peer handler: bans the Promoted role on the peer in Pacemaker" : "DRBD unfence handler (8.4 after-resync-target, 9 unfence-peer): removes that ban once every disk is UpToDate",
    env: ENV,
    codes: CODES,
    log: "syslog",
    failCode: 1,
    // 4 and 7 are what fence-peer is for; 3, 5, 6 are decisions worth a look
    levelOf: (c) => (c === 0 || c === 4 || c === 7 ? "info" : c === 1 ? "err" : "warn"),
    facility: (s) => s.args.logFacility,
    who: (_args, env) => `${name}(${env.DRBD_RESOURCE ?? "?"})`,
    setup(args, env) {
      let a;
      try {
        a = parseHandlerArgs(args);
      } catch (e) {
        throw new ExitError(1, (e as Error).message);
      }
      const e = readHandlerEnv(a.resource ? { ...env, DRBD_RESOURCE: a.resource } : env);
      if (!e.ok) throw new ExitError(1, `${e.reason} (run by DRBD as a ${mode === "fence" ? "fence-peer" : "after-resync-target/unfence-peer"} handler?)`);
      const tools: NodeJS.ProcessEnv = { PATH: env.PATH || "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
      if (env.HANFS_PROC_DRBD) tools.HANFS_PROC_DRBD = env.HANFS_PROC_DRBD;
      if (env.CIB_file) tools.CIB_file = env.CIB_file;
      return { mode, env: e.env, args: a, tools };
    },
    limits: (s) => ({ deadline: Deadline.within(s.args.timeoutS * 1000), graceMs: 2000 }),
    async run(s, session) {
      if (s.mode === "unfence" && s.env.family === "8.4") s = await allMinors(s, session.deadline);
      return runHandler(s, session);
    },
  });
}

/**
 * 8.4 runs after-resync-target per volume (DRBD_MINOR is that volume's): the ban may go only when every
 * volume is UpToDate, so ask the configuration for all of them (drbdadm sh-minor reads the file, not
 * the kernel: no netlink).
 */
async function allMinors(s: HandlerSettings, deadline: Deadline): Promise<HandlerSettings> {
  const argv = ["drbdadm", ...(s.env.conf ? ["-c", s.env.conf] : []), "sh-minor", s.env.resource];
  const r = await run(argv, { timeoutMs: deadline.cap(10_000), env: s.tools });
  const minors = r.code === 0 ? r.stdout.split(/\s+/).filter((w) => /^\d+$/.test(w)).map(Number) : [];
  if (!minors.length) return s;
  return { ...s, env: { ...s.env, minors: [...new Set([...s.env.minors, ...minors])].sort((a, b) => a - b) } };
}

export const fencePeer = handler("fence");
export const unfencePeer = handler("unfence");
