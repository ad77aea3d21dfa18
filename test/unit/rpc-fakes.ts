/** In-process fake RPC servers on 127.0.0.1 for unit tests (shared by rpc-* and haproxy-* tests). */
import { type AddressInfo, type Server, type Socket, createServer } from "node:net";
import { afterEach } from "vitest";
import { RecordDecoder, XdrReader, XdrWriter, encodeRecord } from "../../src/rpc";

export interface ParsedCall {
  xid: number;
  rpcvers: number;
  prog: number;
  vers: number;
  proc: number;
  credFlavor: number;
  cred: Buffer;
  verfFlavor: number;
  args: Buffer;
  raw: Buffer;
}

export function parseCall(rec: Buffer): ParsedCall {
  const r = new XdrReader(rec);
  const xid = r.u32();
  if (r.u32() !== 0) throw new Error("not a CALL");
  const rpcvers = r.u32();
  const prog = r.u32();
  const vers = r.u32();
  const proc = r.u32();
  const credFlavor = r.u32();
  const cred = r.opaque();
  const verfFlavor = r.u32();
  r.opaque();
  return { xid, rpcvers, prog, vers, proc, credFlavor, cred, verfFlavor, args: r.rest(), raw: rec };
}

/** Reply bodies (without record marking). */
export const reply = {
  success: (xid: number, results: Buffer = Buffer.alloc(0)) => new XdrWriter().u32(xid).u32(1).u32(0).u32(0).u32(0).u32(0).raw(results).bytes(),
  accept: (xid: number, stat: number, ...extra: number[]) => {
    const w = new XdrWriter().u32(xid).u32(1).u32(0).u32(0).u32(0).u32(stat);
    for (const x of extra) w.u32(x);
    return w.bytes();
  },
  denied: (xid: number, rejectStat: number, ...extra: number[]) => {
    const w = new XdrWriter().u32(xid).u32(1).u32(1).u32(rejectStat);
    for (const x of extra) w.u32(x);
    return w.bytes();
  },
};

export interface Fake {
  port: number;
  calls: ParsedCall[];
  connections: number;
  close(): Promise<void>;
}

/**
 * Start a fake server. `onCall` answers each decoded call: return a reply body (record-marked for
 * you), or take over the socket yourself and return undefined. `onConnect` may take over raw.
 */
export async function fakeServer(h: {
  onCall?: (c: ParsedCall, s: Socket) => Buffer | undefined | void;
  onConnect?: (s: Socket) => void;
}): Promise<Fake> {
  const sockets = new Set<Socket>();
  const f: Fake = { port: 0, calls: [], connections: 0, close: async () => {} };
  const server: Server = createServer((s) => {
    f.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    if (h.onConnect) return h.onConnect(s);
    const dec = new RecordDecoder();
    s.on("data", (d: Buffer) => {
      for (const rec of dec.push(d)) {
        const c = parseCall(rec);
        f.calls.push(c);
        const body = h.onCall?.(c, s);
        if (body) s.write(encodeRecord(body));
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  f.port = (server.address() as AddressInfo).port;
  f.close = () =>
    new Promise<void>((res) => {
      for (const s of sockets) s.destroy();
      server.close(() => res());
    });
  return f;
}

/** Write `data` one byte every `everyMs` (a slowloris peer); stops when the socket closes. */
export function dribble(s: Socket, data: Buffer, everyMs: number): void {
  let i = 0;
  const t = setInterval(() => {
    if (s.destroyed || i >= data.length) return clearInterval(t);
    s.write(data.subarray(i, ++i));
  }, everyMs);
  s.on("close", () => clearInterval(t));
}

/** Elapsed ms of an async function. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

export interface FakeNfs4Opts {
  /** existing directories below the root, e.g. ["export", "export/sub"] */
  dirs?: string[];
  /** status for every op after PUTROOTFH (e.g. 10013 for grace) */
  opStatus?: number;
  /** minor versions the server accepts (others → NFS4ERR_MINOR_VERS_MISMATCH) */
  minors?: number[];
  /** answer NULL for these NFS versions; others → PROG_MISMATCH 4-4 */
  versions?: number[];
}

/** Decode COMPOUND4args (only the ops our client sends) and answer like a tiny NFSv4 pseudo-fs. */
export function nfs4Answer(c: ParsedCall, o: FakeNfs4Opts = {}): Buffer {
  const versions = o.versions ?? [4];
  if (!versions.includes(c.vers)) return reply.accept(c.xid, 2, Math.min(...versions), Math.max(...versions));
  if (c.proc === 0) return reply.success(c.xid);
  const r = new XdrReader(c.args);
  const tag = r.string();
  const minor = r.u32();
  const n = r.u32();
  const res = new XdrWriter();
  if (!(o.minors ?? [0]).includes(minor)) return reply.success(c.xid, new XdrWriter().u32(10021).string(tag).u32(0).bytes());
  let path = "";
  let status = 0;
  let count = 0;
  for (let i = 0; i < n && status === 0; i++) {
    const op = r.u32();
    count++;
    if (op === 24) {
      path = "";
      res.u32(op).u32(0);
      continue;
    }
    if (o.opStatus) {
      status = o.opStatus;
      res.u32(op).u32(status);
      break;
    }
    if (op === 15) {
      const name = r.string();
      path = path ? `${path}/${name}` : name;
      status = (o.dirs ?? []).includes(path) ? 0 : 2;
      res.u32(op).u32(status);
    } else if (op === 9) {
      const words = Array.from({ length: r.u32() }, () => r.u32());
      const want = words[0] ?? 0;
      const mask = want & ((1 << 1) | (1 << 8) | (1 << 10) | (1 << 20));
      const vals = new XdrWriter();
      if (mask & (1 << 1)) vals.u32(2); // NF4DIR
      if (mask & (1 << 8)) vals.u64(BigInt(path.length + 1)).u64(7n);
      if (mask & (1 << 10)) vals.u32(90);
      if (mask & (1 << 20)) vals.u64(1000n + BigInt(path.length));
      res.u32(op).u32(0).u32(1).u32(mask >>> 0).opaque(vals.bytes());
    } else {
      status = 10044;
      res.u32(10044).u32(status);
    }
  }
  return reply.success(c.xid, new XdrWriter().u32(status).string(tag).u32(count).raw(res.bytes()).bytes());
}

/** Fake servers for the tests of one file: start(handler) gives one; all are closed after each test. */
export function useFakes(): (h: Parameters<typeof fakeServer>[0]) => Promise<Fake> {
  const fakes: Fake[] = [];
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  return async (h) => {
    const f = await fakeServer(h);
    fakes.push(f);
    return f;
  };
}
