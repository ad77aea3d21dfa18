/** ONC RPC over TCP with hard time bounds: no call ever outlives its deadline, whatever the peer does. */
import type { Socket } from "node:net";
import { net } from "../os/lazy";
import { type OpaqueAuth, type Reply, encodeCall, parseReply } from "./message";
import { RecordDecoder, RecordError, encodeRecord } from "./record";
import { XdrError } from "./xdr";

/** Why an RPC failed. Transport kinds first; then the server's RPC-level refusals. */
export type RpcErrorKind =
  | "refused" // nothing listens (ECONNREFUSED)
  | "unreachable" // other connect errors: no route, bad address, DNS
  | "connect-timeout" // TCP handshake did not finish in time (host down, packets dropped)
  | "timeout" // connected, but no complete reply in time (hung or slow server)
  | "closed" // peer closed or reset the connection before replying
  | "garbage" // bytes that are not a valid reply to our call
  | "too-large" // reply record over the size limit
  | "aborted" // the caller's AbortSignal fired
  | "PROG_UNAVAIL" | "PROG_MISMATCH" | "PROC_UNAVAIL" | "GARBAGE_ARGS" | "SYSTEM_ERR" | "RPC_MISMATCH" | "AUTH_ERROR";

export interface RpcError {
  ok: false;
  kind: RpcErrorKind;
  message: string;
  /** supported version range for PROG_MISMATCH / RPC_MISMATCH */
  low?: number;
  high?: number;
  /** auth_stat for AUTH_ERROR */
  authStat?: number;
  /** errno code for transport errors (ECONNREFUSED, ECONNRESET, ...) */
  code?: string;
  ms: number;
}

export interface RpcSuccess {
  ok: true;
  /** XDR-encoded procedure results */
  results: Buffer;
  ms: number;
}

export type RpcResult = RpcSuccess | RpcError;

export interface ConnectOptions {
  host: string;
  port: number;
  /** hard bound for everything done on this connection (connect + all calls) */
  timeoutMs: number;
  /** bound for the TCP handshake alone; defaults to timeoutMs */
  connectTimeoutMs?: number;
  /** largest reply record accepted (bytes); default 1 MiB */
  maxReplyBytes?: number;
  signal?: AbortSignal;
}

export interface CallOptions {
  prog: number;
  vers: number;
  proc: number;
  args?: Buffer;
  cred?: OpaqueAuth;
  verf?: OpaqueAuth;
}

const elapsed = (t0: bigint) => Math.round(Number(process.hrtime.bigint() - t0) / 1e4) / 100;

function describeReplyError(r: Exclude<Reply, { stat: "SUCCESS" }>, ms: number): RpcError {
  switch (r.stat) {
    case "PROG_MISMATCH":
      return { ok: false, kind: r.stat, low: r.low, high: r.high, message: `program version not supported (server has ${r.low}-${r.high})`, ms };
    case "RPC_MISMATCH":
      return { ok: false, kind: r.stat, low: r.low, high: r.high, message: `RPC version not supported (server has ${r.low}-${r.high})`, ms };
    case "AUTH_ERROR":
      return { ok: false, kind: r.stat, authStat: r.authStat, message: `authentication rejected: ${r.authStatName}`, ms };
    case "PROG_UNAVAIL":
      return { ok: false, kind: r.stat, message: "program not available on this port", ms };
    case "PROC_UNAVAIL":
      return { ok: false, kind: r.stat, message: "procedure not available", ms };
    case "GARBAGE_ARGS":
      return { ok: false, kind: r.stat, message: "server could not decode the arguments", ms };
    case "SYSTEM_ERR":
      return { ok: false, kind: r.stat, message: "server system error", ms };
  }
}

/**
 * One TCP connection to an RPC server. Every call shares the connection's deadline, so a check
 * doing NULL then COMPOUND is bounded as a whole. The first failure poisons the connection
 * (after garbage or a timeout the byte stream cannot be trusted); later calls fail at once.
 */
export class RpcConnection {
  private readonly decoder: RecordDecoder;
  private readonly pending = new Map<number, (r: RpcResult) => void>();
  private failure: RpcError | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly t0 = process.hrtime.bigint();
  private readonly onAbort = () => this.fail("aborted", "aborted by caller");
  // an xid only has to differ from recent ones; loading node:crypto for it costs ~6 ms per check
  private nextXid = Math.floor(Math.random() * 0xffffffff);

  private constructor(private readonly sock: Socket, private readonly opts: ConnectOptions) {
    this.decoder = new RecordDecoder(opts.maxReplyBytes ?? 1 << 20);
    this.timer = setTimeout(() => {
      if (this.sock.connecting) this.fail("connect-timeout", `TCP connect to ${opts.host}:${opts.port} timed out after ${opts.timeoutMs} ms`);
      else this.fail("timeout", `no complete reply within ${opts.timeoutMs} ms (${this.decoder.buffered} bytes received)`);
    }, opts.timeoutMs);
    opts.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Connect; resolves with the connection or the reason it could not be made (never rejects). */
  static connect(opts: ConnectOptions): Promise<RpcConnection | RpcError> {
    const sock = net().connect({ host: opts.host, port: opts.port });
    const c = new RpcConnection(sock, opts);
    if (opts.signal?.aborted) c.fail("aborted", "aborted by caller");
    sock.setNoDelay(true);
    sock.on("data", (d: Buffer) => c.onData(d));
    sock.on("error", (e: NodeJS.ErrnoException) => c.onError(e));
    sock.on("close", () => c.fail("closed", "connection closed before the reply"));
    return new Promise((resolve) => {
      if (c.failure) return resolve(c.failure);
      const ms = Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs);
      const connTimer = setTimeout(() => c.fail("connect-timeout", `TCP connect to ${opts.host}:${opts.port} timed out after ${ms} ms`), ms);
      c.whenDone = (e) => {
        clearTimeout(connTimer);
        resolve(e);
      };
      sock.once("connect", () => {
        clearTimeout(connTimer);
        c.whenDone = undefined;
        resolve(c);
      });
    });
  }

  /** set while connecting: reports a failure before the connection exists */
  private whenDone: ((e: RpcError) => void) | undefined;

  get elapsedMs(): number {
    return elapsed(this.t0);
  }

  call(c: CallOptions): Promise<RpcResult> {
    if (this.failure) return Promise.resolve({ ...this.failure, ms: elapsed(this.t0) });
    const xid = this.nextXid;
    this.nextXid = (this.nextXid + 1) >>> 0;
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
      this.pending.set(xid, (r) => resolve({ ...r, ms: elapsed(started) }));
      this.sock.write(encodeRecord(encodeCall({ xid, ...c })));
    });
  }

  close(): void {
    if (!this.failure) this.fail("closed", "connection closed by caller");
  }

  private onData(d: Buffer) {
    if (this.failure) return;
    let records: Buffer[];
    try {
      records = this.decoder.push(d);
    } catch (e) {
      return this.fail(e instanceof RecordError ? "too-large" : "garbage", (e as Error).message);
    }
    for (const rec of records) {
      let r: Reply;
      try {
        r = parseReply(rec);
      } catch (e) {
        return this.fail("garbage", e instanceof XdrError ? `malformed reply: ${e.message}` : String(e));
      }
      const done = this.pending.get(r.xid);
      if (!done) return this.fail("garbage", `reply for unknown xid ${r.xid}`);
      this.pending.delete(r.xid);
      done(r.stat === "SUCCESS" ? { ok: true, results: r.results, ms: 0 } : describeReplyError(r, 0));
    }
  }

  private onError(e: NodeJS.ErrnoException) {
    const code = e.code ?? "";
    if (this.sock.connecting || this.whenDone) {
      const kind = code === "ECONNREFUSED" ? "refused" : "unreachable";
      return this.fail(kind, `connect to ${this.opts.host}:${this.opts.port}: ${code || e.message}`, code);
    }
    this.fail("closed", `connection error: ${code || e.message}`, code || undefined);
  }

  /** Poison the connection: settle everything outstanding with this error and drop the socket. */
  private fail(kind: RpcError["kind"], message: string, code?: string) {
    if (this.failure) return;
    const err: RpcError = { ok: false, kind, message, ms: elapsed(this.t0), ...(code ? { code } : {}) };
    this.failure = err;
    clearTimeout(this.timer);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.sock.destroy();
    this.whenDone?.(err);
    this.whenDone = undefined;
    for (const done of this.pending.values()) done(err);
    this.pending.clear();
  }
}

/** Connect, make one call, close. Never rejects; never takes longer than timeoutMs (plus timer slack). */
export async function rpcCall(opts: ConnectOptions & CallOptions): Promise<RpcResult> {
  const t0 = process.hrtime.bigint();
  const c = await RpcConnection.connect(opts);
  if (!(c instanceof RpcConnection)) return c;
  const r = await c.call(opts);
  c.close();
  return { ...r, ms: elapsed(t0) };
}

export interface NullOptions {
  host: string;
  port: number;
  prog: number;
  vers: number;
  timeoutMs: number;
  connectTimeoutMs?: number;
  cred?: OpaqueAuth;
  signal?: AbortSignal;
}

/** Procedure 0 (NULL): proves the server's RPC layer for prog/vers answers. */
export function rpcNull(o: NullOptions): Promise<RpcResult> {
  return rpcCall({ ...o, proc: 0, maxReplyBytes: 64 * 1024 });
}
