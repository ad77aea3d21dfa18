/**
 * Minimal NFSv4 COMPOUND (RFC 7530 / 8881): enough for stateless health probes — PUTROOTFH,
 * LOOKUP, GETATTR, GETFH — that create no client state on the server.
 */
import { type ConnectOptions, RpcConnection, type RpcError } from "./client";
import { type OpaqueAuth, authSys } from "./message";
import { XdrError, XdrReader, XdrWriter } from "./xdr";

export const NFS_PROGRAM = 100003;
export const NFS4_PROC_COMPOUND = 1;

export const OP = { GETATTR: 9, GETFH: 10, LOOKUP: 15, PUTFH: 22, PUTROOTFH: 24, ILLEGAL: 10044 } as const;
const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k]));

const STATUS_LIST: [number, string][] = [
  [0, "NFS4_OK"], [1, "PERM"], [2, "NOENT"], [5, "IO"], [6, "NXIO"], [13, "ACCESS"], [17, "EXIST"], [18, "XDEV"],
  [20, "NOTDIR"], [21, "ISDIR"], [22, "INVAL"], [27, "FBIG"], [28, "NOSPC"], [30, "ROFS"], [31, "MLINK"],
  [63, "NAMETOOLONG"], [66, "NOTEMPTY"], [69, "DQUOT"], [70, "STALE"], [10001, "BADHANDLE"], [10003, "BAD_COOKIE"],
  [10004, "NOTSUPP"], [10005, "TOOSMALL"], [10006, "SERVERFAULT"], [10007, "BADTYPE"], [10008, "DELAY"],
  [10009, "SAME"], [10010, "DENIED"], [10011, "EXPIRED"], [10012, "LOCKED"], [10013, "GRACE"], [10014, "FHEXPIRED"],
  [10015, "SHARE_DENIED"], [10016, "WRONGSEC"], [10017, "CLID_INUSE"], [10018, "RESOURCE"], [10019, "MOVED"],
  [10020, "NOFILEHANDLE"], [10021, "MINOR_VERS_MISMATCH"], [10022, "STALE_CLIENTID"], [10023, "STALE_STATEID"],
  [10024, "OLD_STATEID"], [10025, "BAD_STATEID"], [10026, "BAD_SEQID"], [10027, "NOT_SAME"], [10028, "LOCK_RANGE"],
  [10029, "SYMLINK"], [10030, "RESTOREFH"], [10031, "LEASE_MOVED"], [10032, "ATTRNOTSUPP"], [10033, "NO_GRACE"],
  [10034, "RECLAIM_BAD"], [10035, "RECLAIM_CONFLICT"], [10036, "BADXDR"], [10037, "LOCKS_HELD"], [10038, "OPENMODE"],
  [10039, "BADOWNER"], [10040, "BADCHAR"], [10041, "BADNAME"], [10042, "BAD_RANGE"], [10043, "LOCK_NOTSUPP"],
  [10044, "OP_ILLEGAL"], [10045, "DEADLOCK"], [10046, "FILE_OPEN"], [10047, "ADMIN_REVOKED"], [10048, "CB_PATH_DOWN"],
  [10052, "BADSESSION"], [10053, "BADSLOT"], [10063, "SEQ_MISORDERED"], [10064, "SEQUENCE_POS"],
  [10065, "REQ_TOO_BIG"], [10066, "REP_TOO_BIG"], [10070, "TOO_MANY_OPS"], [10071, "OP_NOT_IN_SESSION"],
  [10078, "DEADSESSION"], [10081, "NOT_ONLY_OP"],
];
const STATUS_NAMES = new Map(STATUS_LIST.map(([n, s]) => [n, n === 0 ? s : `NFS4ERR_${s}`]));

export const NFS4_OK = 0;
export const NFS4ERR_PERM = 1;
export const NFS4ERR_NOENT = 2;
export const NFS4ERR_ACCESS = 13;
export const NFS4ERR_WRONGSEC = 10016;
export const NFS4ERR_GRACE = 10013;
export const NFS4ERR_DELAY = 10008;
export const NFS4ERR_MINOR_VERS_MISMATCH = 10021;
export const NFS4ERR_OP_NOT_IN_SESSION = 10071;

export function nfs4StatusName(s: number): string {
  return STATUS_NAMES.get(s) ?? `nfsstat4 ${s}`;
}

/** Attributes we can decode (all in bitmap word 0). */
export const ATTR = { supported_attrs: 0, type: 1, change: 3, size: 4, fsid: 8, lease_time: 10, fileid: 20 } as const;
export type AttrName = keyof typeof ATTR;
const FTYPES = ["", "REG", "DIR", "BLK", "CHR", "LNK", "SOCK", "FIFO", "ATTRDIR", "NAMEDATTR"];

export interface Nfs4Attrs {
  supported_attrs?: number[];
  type?: string;
  change?: bigint;
  size?: bigint;
  fsid?: { major: bigint; minor: bigint };
  lease_time?: number;
  fileid?: bigint;
}

export type Nfs4Op =
  | { op: "PUTROOTFH" }
  | { op: "PUTFH"; fh: Buffer }
  | { op: "LOOKUP"; name: string }
  | { op: "GETFH" }
  | { op: "GETATTR"; attrs: AttrName[] };

export interface Nfs4OpResult {
  op: number;
  opName: string;
  status: number;
  statusName: string;
  attrs?: Nfs4Attrs;
  fh?: Buffer;
}

/** RPC succeeded and the COMPOUND reply decoded; `status` is the NFS-level outcome (0 = NFS4_OK). */
export interface Nfs4Reply {
  ok: true;
  status: number;
  statusName: string;
  tag: string;
  ops: Nfs4OpResult[];
  /** attributes of the last GETATTR that succeeded */
  attrs?: Nfs4Attrs;
  /** some op answered NFS4ERR_GRACE. Stateless ops rarely do: false does NOT prove the server is out of grace. */
  inGrace: boolean;
  ms: number;
}

function bitmap(nums: number[]): number[] {
  const words: number[] = [];
  for (const n of nums) {
    const w = n >>> 5;
    while (words.length <= w) words.push(0);
    words[w] = (words[w] | (1 << (n & 31))) >>> 0;
  }
  return words;
}

export function encodeCompound(ops: Nfs4Op[], minorVersion = 0, tag = "hanfs"): Buffer {
  const w = new XdrWriter().string(tag).u32(minorVersion).u32(ops.length);
  for (const o of ops) {
    w.u32(OP[o.op]);
    if (o.op === "PUTFH") w.opaque(o.fh, 128);
    else if (o.op === "LOOKUP") w.string(o.name);
    else if (o.op === "GETATTR") {
      const words = bitmap(o.attrs.map((a) => ATTR[a]));
      w.u32(words.length);
      for (const x of words) w.u32(x);
    }
  }
  return w.bytes();
}

function decodeAttrs(mask: number[], vals: Buffer): Nfs4Attrs {
  const r = new XdrReader(vals);
  const a: Nfs4Attrs = {};
  for (let n = 0; n < mask.length * 32; n++) {
    if (!((mask[n >>> 5] >>> (n & 31)) & 1)) continue;
    switch (n) {
      case ATTR.supported_attrs: {
        const words = Array.from({ length: r.u32() }, () => r.u32());
        a.supported_attrs = words.flatMap((x, i) => Array.from({ length: 32 }, (_, b) => ((x >>> b) & 1 ? i * 32 + b : -1))).filter((v) => v >= 0);
        break;
      }
      case ATTR.type: {
        const t = r.u32();
        a.type = FTYPES[t] || `ftype ${t}`;
        break;
      }
      case ATTR.change: a.change = r.u64(); break;
      case ATTR.size: a.size = r.u64(); break;
      case ATTR.fsid: a.fsid = { major: r.u64(), minor: r.u64() }; break;
      case ATTR.lease_time: a.lease_time = r.u32(); break;
      case ATTR.fileid: a.fileid = r.u64(); break;
      default:
        return a; // an attribute we cannot size: stop, keep what we have
    }
  }
  return a;
}

/** Decode COMPOUND4res. Throws XdrError on malformed input. */
export function parseCompound(results: Buffer): Omit<Nfs4Reply, "ok" | "ms"> {
  const r = new XdrReader(results);
  const status = r.u32();
  const tag = r.string(1024);
  const n = r.u32();
  if (n > 1024) throw new XdrError(`implausible result count ${n}`);
  const ops: Nfs4OpResult[] = [];
  let attrs: Nfs4Attrs | undefined;
  for (let i = 0; i < n; i++) {
    const op = r.u32();
    const st = r.u32();
    const res: Nfs4OpResult = { op, opName: OP_NAMES[op] ?? `op ${op}`, status: st, statusName: nfs4StatusName(st) };
    ops.push(res);
    if (st !== NFS4_OK) break; // a failed op ends the compound
    if (op === OP.GETATTR) {
      const mask = Array.from({ length: Math.min(r.u32(), 8) }, () => r.u32());
      res.attrs = attrs = decodeAttrs(mask, r.opaque(64 * 1024));
    } else if (op === OP.GETFH) res.fh = r.opaque(128);
    else if (op !== OP.PUTROOTFH && op !== OP.PUTFH && op !== OP.LOOKUP) break; // unknown body size
  }
  const inGrace = status === NFS4ERR_GRACE || ops.some((o) => o.status === NFS4ERR_GRACE);
  return { status, statusName: nfs4StatusName(status), tag, ops, attrs, inGrace };
}

export interface CompoundOptions {
  ops: Nfs4Op[];
  minorVersion?: number;
  /** NFS program version; 4 */
  vers?: number;
  tag?: string;
  /** default AUTH_SYS root: AUTH_NONE is often mapped to nobody and refused on real exports */
  cred?: OpaqueAuth;
}

/** COMPOUND on an open connection (shares its deadline). */
export async function nfs4CompoundOn(conn: RpcConnection, o: CompoundOptions): Promise<Nfs4Reply | RpcError> {
  const r = await conn.call({
    prog: NFS_PROGRAM,
    vers: o.vers ?? 4,
    proc: NFS4_PROC_COMPOUND,
    cred: o.cred ?? authSys(),
    args: encodeCompound(o.ops, o.minorVersion ?? 0, o.tag),
  });
  if (!r.ok) return r;
  try {
    return { ok: true, ...parseCompound(r.results), ms: r.ms };
  } catch (e) {
    conn.close();
    return { ok: false, kind: "garbage", message: `malformed COMPOUND reply: ${(e as Error).message}`, ms: r.ms };
  }
}

/** Connect, run one COMPOUND, close. Never rejects; bounded by timeoutMs. */
export async function nfs4Compound(o: ConnectOptions & CompoundOptions): Promise<Nfs4Reply | RpcError> {
  const c = await RpcConnection.connect({ maxReplyBytes: 256 * 1024, ...o });
  if (!(c instanceof RpcConnection)) return c;
  const r = await nfs4CompoundOn(c, o);
  c.close();
  return { ...r, ms: c.elapsedMs };
}

/** The standard stateless probe: PUTROOTFH, LOOKUP each component of `path`, GETATTR. */
export function rootProbeOps(path = "/", attrs: AttrName[] = ["type", "fsid", "fileid"]): Nfs4Op[] {
  const names = path.split("/").filter((c) => c !== "");
  return [{ op: "PUTROOTFH" }, ...names.map((name) => ({ op: "LOOKUP" as const, name })), { op: "GETATTR", attrs }];
}
