/** TCP record marking (RFC 5531 §11): each fragment has a 4-byte header, top bit = last fragment. */

const LAST = 0x80000000;
const MAX_FRAG = 0x7fffffff;

export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordError";
  }
}

/** Frame one record, split into fragments of at most `maxFragment` bytes (for tests and big calls). */
export function encodeRecord(body: Buffer, maxFragment = MAX_FRAG): Buffer {
  if (maxFragment < 1 || maxFragment > MAX_FRAG) throw new RangeError(`bad fragment size ${maxFragment}`);
  const out: Buffer[] = [];
  let off = 0;
  do {
    const n = Math.min(maxFragment, body.length - off);
    const h = Buffer.allocUnsafe(4);
    h.writeUInt32BE(((off + n >= body.length ? LAST : 0) | n) >>> 0);
    out.push(h, body.subarray(off, off + n));
    off += n;
  } while (off < body.length);
  return Buffer.concat(out);
}

/**
 * Reassembles records from a byte stream. The size limit is checked against each fragment header
 * before its bytes arrive, so a lying peer cannot make us buffer more than `maxRecord` bytes.
 */
export class RecordDecoder {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private frags: Buffer[] = [];
  /** bytes of the current record so far, fragment headers included */
  private recordLen = 0;
  /** header of the fragment being received, once known */
  private header = -1;

  constructor(readonly maxRecord = 1 << 20) {}

  /** Feed bytes; returns every record completed by them. Throws RecordError on a limit breach. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    const done: Buffer[] = [];
    for (;;) {
      if (this.header < 0) {
        if (this.pendingLen < 4) break;
        this.header = this.take(4).readUInt32BE(0);
        this.recordLen += 4;
        const len = this.header & MAX_FRAG;
        if (this.recordLen + len > this.maxRecord)
          throw new RecordError(`record larger than ${this.maxRecord} bytes (fragment of ${len} after ${this.recordLen - 4})`);
      }
      const len = this.header & MAX_FRAG;
      if (this.pendingLen < len) break; // wait without copying: a dribbling peer costs no quadratic work
      this.frags.push(this.take(len));
      this.recordLen += len;
      const last = (this.header & LAST) !== 0;
      this.header = -1;
      if (last) {
        done.push(Buffer.concat(this.frags));
        this.frags = [];
        this.recordLen = 0;
      }
    }
    return done;
  }

  /** bytes received that do not yet form a complete record */
  get buffered(): number {
    return this.pendingLen + this.recordLen;
  }

  private take(n: number): Buffer {
    if (this.pending.length > 1 && this.pending[0].length < n) this.pending = [Buffer.concat(this.pending, this.pendingLen)];
    const head = this.pending[0] ?? Buffer.alloc(0);
    const out = head.subarray(0, n);
    if (head.length === n) this.pending.shift();
    else this.pending[0] = head.subarray(n);
    this.pendingLen -= n;
    return out;
  }
}
