/** XDR (RFC 4506) — only the types ONC RPC and our NFS probes need. */

export class XdrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XdrError";
  }
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Appends big-endian XDR items; `bytes()` returns the encoding. */
export class XdrWriter {
  private parts: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new XdrError(`u32 out of range: ${v}`);
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v);
    return this.push(b);
  }
  i32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  u64(v: bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(v);
    return this.push(b);
  }
  bool(v: boolean): this {
    return this.u32(v ? 1 : 0);
  }
  /** fixed-length opaque[n]: no length word, padded to 4 */
  fixed(b: Buffer): this {
    this.push(b);
    return pad4(b.length) ? this.push(Buffer.alloc(pad4(b.length))) : this;
  }
  /** variable-length opaque<max> */
  opaque(b: Buffer, max = 0xffffffff): this {
    if (b.length > max) throw new XdrError(`opaque longer than ${max}`);
    return this.u32(b.length).fixed(b);
  }
  string(s: string, max = 0xffffffff): this {
    return this.opaque(Buffer.from(s, "utf8"), max);
  }
  /** raw, already XDR-encoded bytes */
  raw(b: Buffer): this {
    return this.push(b);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

/** Reads XDR items; every read is bounds-checked and throws XdrError on a short buffer. */
export class XdrReader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number) {
    if (n < 0 || this.offset + n > this.buf.length)
      throw new XdrError(`truncated: need ${n} bytes at offset ${this.offset}, have ${this.buf.length - this.offset}`);
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  bool(): boolean {
    const v = this.u32();
    if (v > 1) throw new XdrError(`bad bool ${v}`);
    return v === 1;
  }
  fixed(n: number): Buffer {
    this.need(n + pad4(n));
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n + pad4(n);
    return b;
  }
  opaque(max = 0xffffffff): Buffer {
    const n = this.u32();
    if (n > max) throw new XdrError(`opaque length ${n} exceeds ${max}`);
    return this.fixed(n);
  }
  string(max = 0xffffffff): string {
    return this.opaque(max).toString("utf8");
  }
  /** everything not yet read */
  rest(): Buffer {
    const b = this.buf.subarray(this.offset);
    this.offset = this.buf.length;
    return b;
  }
}
