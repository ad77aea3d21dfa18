/** The NFS health probe shared by the external check and the agent-check server. */
import { NFS4_OK, NFS_PROGRAM, RpcConnection, type RpcError, nfs4CompoundOn, rootProbeOps } from "../rpc";
import type { CheckSettings } from "./config";

export interface ProbeResult {
  healthy: boolean;
  /** 0 healthy, 1 the server answered wrongly, 2 no usable answer (refused, timeout, garbage) */
  code: 0 | 1 | 2;
  reason: string;
  inGrace: boolean;
  ms: number;
}

const RPC_ANSWERS = new Set(["PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR", "RPC_MISMATCH", "AUTH_ERROR"]);

function failed(e: RpcError, what: string, t0: number): ProbeResult {
  return { healthy: false, code: RPC_ANSWERS.has(e.kind) ? 1 : 2, reason: `${what}: ${e.kind}: ${e.message}`, inGrace: false, ms: Date.now() - t0 };
}

/** RPC NULL, then (v4) one stateless COMPOUND, on one connection under one deadline. Never rejects. */
export async function probeNfs(host: string, port: number, s: CheckSettings): Promise<ProbeResult> {
  const t0 = Date.now();
  const done = (healthy: boolean, code: 0 | 1 | 2, reason: string, inGrace = false): ProbeResult => ({ healthy, code, reason, inGrace, ms: Date.now() - t0 });
  const conn = await RpcConnection.connect({ host, port, timeoutMs: s.timeoutMs, connectTimeoutMs: s.connectTimeoutMs, maxReplyBytes: 256 * 1024 });
  if (!(conn instanceof RpcConnection)) return failed(conn, "connect", t0);
  try {
    const vers = s.version === "3" ? 3 : 4;
    const nul = await conn.call({ prog: NFS_PROGRAM, vers, proc: 0 });
    if (!nul.ok) return failed(nul, `NFSv${vers} NULL`, t0);
    if (s.probe === "null") return done(true, 0, `NFSv${vers} NULL ok`);
    const minor = Number(s.version.split(".")[1]);
    // 4.1+: an empty COMPOUND proves the minor version is served without creating a session
    const ops = minor === 0 ? rootProbeOps(s.path) : [];
    const r = await nfs4CompoundOn(conn, { minorVersion: minor, ops });
    if (!r.ok) return failed(r, `NFSv4.${minor} COMPOUND`, t0);
    if (r.inGrace) return done(s.grace === "up", s.grace === "up" ? 0 : 1, `NFSv4.${minor} server in grace (NFS4ERR_GRACE)`, true);
    if (r.status !== NFS4_OK) {
      const bad = r.ops.find((o) => o.status !== NFS4_OK);
      const at = bad ? ` at ${bad.opName}${bad.opName === "LOOKUP" ? ` of ${s.path}` : ""}` : "";
      return done(false, 1, `NFSv4.${minor} COMPOUND: ${r.statusName}${at}`);
    }
    return done(true, 0, `NFSv4.${minor} ${s.path} ${r.attrs?.type ?? "ok"}`);
  } finally {
    conn.close();
  }
}

