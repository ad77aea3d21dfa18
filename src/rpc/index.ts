/**
 * ONC RPC client for health probes (nfsserver monitor, haproxy check). Every entry point resolves —
 * never rejects — within its timeoutMs, with either a result or a typed error kind.
 */
export { XdrError, XdrReader, XdrWriter } from "./xdr";
export { RecordDecoder, RecordError, encodeRecord } from "./record";
export { AUTH_NONE, AuthFlavor, type AuthSysParams, type CallParams, type OpaqueAuth, type Reply, authSys, encodeCall, parseReply } from "./message";
export {
  type CallOptions,
  type ConnectOptions,
  type NullOptions,
  RpcConnection,
  type RpcError,
  type RpcErrorKind,
  type RpcResult,
  type RpcSuccess,
  rpcCall,
  rpcNull,
} from "./client";
export {
  ATTR,
  type AttrName,
  type CompoundOptions,
  NFS4ERR_ACCESS,
  NFS4ERR_DELAY,
  NFS4ERR_GRACE,
  NFS4ERR_MINOR_VERS_MISMATCH,
  NFS4ERR_NOENT,
  NFS4ERR_OP_NOT_IN_SESSION,
  NFS4ERR_PERM,
  NFS4ERR_WRONGSEC,
  NFS4_OK,
  NFS_PROGRAM,
  type Nfs4Attrs,
  type Nfs4Op,
  type Nfs4OpResult,
  type Nfs4Reply,
  encodeCompound,
  nfs4Compound,
  nfs4CompoundOn,
  nfs4StatusName,
  parseCompound,
  rootProbeOps,
} from "./nfs4";

/** Well-known program numbers. */
export const PROG = { PORTMAP: 100000, NFS: 100003, MOUNT: 100005, NLM: 100021, STATUS: 100024, RQUOTA: 100011 } as const;
