/** ONC RPC v2 messages (RFC 5531): CALL encoding and REPLY parsing into a typed union. */
import { XdrError, XdrReader, XdrWriter } from "./xdr";

export const RPC_VERSION = 2;
export enum MsgType { CALL = 0, REPLY = 1 }
export enum ReplyStat { MSG_ACCEPTED = 0, MSG_DENIED = 1 }
export enum AcceptStat { SUCCESS = 0, PROG_UNAVAIL = 1, PROG_MISMATCH = 2, PROC_UNAVAIL = 3, GARBAGE_ARGS = 4, SYSTEM_ERR = 5 }
export enum RejectStat { RPC_MISMATCH = 0, AUTH_ERROR = 1 }
export enum AuthFlavor { AUTH_NONE = 0, AUTH_SYS = 1 }

export const AUTH_STAT_NAMES: Record<number, string> = {
  0: "AUTH_OK", 1: "AUTH_BADCRED", 2: "AUTH_REJECTEDCRED", 3: "AUTH_BADVERF", 4: "AUTH_REJECTEDVERF",
  5: "AUTH_TOOWEAK", 6: "AUTH_INVALIDRESP", 7: "AUTH_FAILED", 8: "AUTH_KERB_GENERIC", 9: "AUTH_TIMEEXPIRE",
  10: "AUTH_TKT_FILE", 11: "AUTH_DECODE", 12: "AUTH_NET_ADDR", 13: "RPCSEC_GSS_CREDPROBLEM", 14: "RPCSEC_GSS_CTXPROBLEM",
};

export interface OpaqueAuth {
  flavor: number;
  body: Buffer;
}

export const AUTH_NONE: OpaqueAuth = Object.freeze({ flavor: AuthFlavor.AUTH_NONE, body: Buffer.alloc(0) });

export interface AuthSysParams {
  stamp?: number;
  machineName?: string;
  uid?: number;
  gid?: number;
  gids?: number[];
}

/** AUTH_SYS (a.k.a. AUTH_UNIX) credential; defaults to root (uid/gid 0), like a client's mount probe. */
export function authSys(p: AuthSysParams = {}): OpaqueAuth {
  const gids = p.gids ?? [];
  if (gids.length > 16) throw new XdrError("AUTH_SYS allows at most 16 gids");
  const w = new XdrWriter()
    .u32((p.stamp ?? Math.floor(Date.now() / 1000)) >>> 0)
    .string(p.machineName ?? "hanfs", 255)
    .u32(p.uid ?? 0)
    .u32(p.gid ?? 0)
    .u32(gids.length);
  for (const g of gids) w.u32(g);
  return { flavor: AuthFlavor.AUTH_SYS, body: w.bytes() };
}

export interface CallParams {
  xid: number;
  prog: number;
  vers: number;
  proc: number;
  cred?: OpaqueAuth;
  verf?: OpaqueAuth;
  /** procedure arguments, already XDR-encoded */
  args?: Buffer;
}

/** The call message body (without record marking). */
export function encodeCall(c: CallParams): Buffer {
  const cred = c.cred ?? AUTH_NONE;
  const verf = c.verf ?? AUTH_NONE;
  return new XdrWriter()
    .u32(c.xid >>> 0)
    .u32(MsgType.CALL)
    .u32(RPC_VERSION)
    .u32(c.prog)
    .u32(c.vers)
    .u32(c.proc)
    .u32(cred.flavor)
    .opaque(cred.body, 400)
    .u32(verf.flavor)
    .opaque(verf.body, 400)
    .raw(c.args ?? Buffer.alloc(0))
    .bytes();
}

/** Outcome of a reply, by RPC-level status. `results` holds the procedure's XDR results on success. */
export type Reply =
  | { xid: number; stat: "SUCCESS"; verf: OpaqueAuth; results: Buffer }
  | { xid: number; stat: "PROG_UNAVAIL" | "PROC_UNAVAIL" | "GARBAGE_ARGS" | "SYSTEM_ERR" }
  | { xid: number; stat: "PROG_MISMATCH"; low: number; high: number }
  | { xid: number; stat: "RPC_MISMATCH"; low: number; high: number }
  | { xid: number; stat: "AUTH_ERROR"; authStat: number; authStatName: string };

const SIMPLE_ACCEPT: Record<number, "PROG_UNAVAIL" | "PROC_UNAVAIL" | "GARBAGE_ARGS" | "SYSTEM_ERR"> = {
  [AcceptStat.PROG_UNAVAIL]: "PROG_UNAVAIL",
  [AcceptStat.PROC_UNAVAIL]: "PROC_UNAVAIL",
  [AcceptStat.GARBAGE_ARGS]: "GARBAGE_ARGS",
  [AcceptStat.SYSTEM_ERR]: "SYSTEM_ERR",
};

/** Parse one reply record. Throws XdrError for anything that is not a well-formed RPC v2 reply. */
export function parseReply(rec: Buffer): Reply {
  const r = new XdrReader(rec);
  const xid = r.u32();
  const mtype = r.u32();
  if (mtype !== MsgType.REPLY) throw new XdrError(`not a reply (msg_type ${mtype})`);
  const rstat = r.u32();
  if (rstat === ReplyStat.MSG_DENIED) {
    const rj = r.u32();
    if (rj === RejectStat.RPC_MISMATCH) return { xid, stat: "RPC_MISMATCH", low: r.u32(), high: r.u32() };
    if (rj === RejectStat.AUTH_ERROR) {
      const authStat = r.u32();
      return { xid, stat: "AUTH_ERROR", authStat, authStatName: AUTH_STAT_NAMES[authStat] ?? `auth_stat ${authStat}` };
    }
    throw new XdrError(`bad reject_stat ${rj}`);
  }
  if (rstat !== ReplyStat.MSG_ACCEPTED) throw new XdrError(`bad reply_stat ${rstat}`);
  const verf = { flavor: r.u32(), body: r.opaque(400) };
  const acc = r.u32();
  if (acc === AcceptStat.SUCCESS) return { xid, stat: "SUCCESS", verf, results: r.rest() };
  if (acc === AcceptStat.PROG_MISMATCH) return { xid, stat: "PROG_MISMATCH", low: r.u32(), high: r.u32() };
  const s = SIMPLE_ACCEPT[acc];
  if (!s) throw new XdrError(`bad accept_stat ${acc}`);
  return { xid, stat: s };
}
