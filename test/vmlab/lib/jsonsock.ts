import { createConnection, type Socket } from "node:net";

/**
 * A JSON-lines conversation over a unix socket (QEMU's QMP and qemu-guest-agent both speak it).
 * Every read has a deadline; 0xFF bytes (the guest agent's resync delimiter) are dropped; lines
 * that are not JSON (a half-sent message after a guest reset) are skipped.
 */
export class JsonLines {
  private buf = Buffer.alloc(0);
  private msgs: unknown[] = [];
  private wake?: () => void;
  closed = false;

  private constructor(private sock: Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (let i; (i = this.buf.indexOf(0x0a)) >= 0; ) {
        const line = Buffer.from(this.buf.subarray(0, i).filter((b) => b !== 0xff)).toString("utf8").trim();
        this.buf = this.buf.subarray(i + 1);
        if (!line) continue;
        try {
          this.msgs.push(JSON.parse(line));
        } catch {
          /* garbage from before a reset */
        }
      }
      this.wake?.();
    });
    const end = () => {
      this.closed = true;
      this.wake?.();
    };
    sock.on("close", end);
    sock.on("error", end);
  }

  static connect(path: string, deadlineMs: number): Promise<JsonLines> {
    return new Promise((resolve, reject) => {
      const s = createConnection(path);
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`connect ${path}: timed out after ${deadlineMs} ms`));
      }, deadlineMs);
      s.once("connect", () => {
        clearTimeout(t);
        s.removeAllListeners("error");
        resolve(new JsonLines(s));
      });
      s.once("error", (e) => {
        clearTimeout(t);
        reject(new Error(`connect ${path}: ${e.message}`));
      });
    });
  }

  /** `delimit`: a 0xFF byte first, which makes the guest agent drop any half-parsed input. */
  send(msg: object, delimit = false) {
    if (this.closed) throw new Error("socket closed");
    if (delimit) this.sock.write(Buffer.from([0xff]));
    this.sock.write(JSON.stringify(msg) + "\n");
  }

  /** The next message, or an error at `deadline` (epoch ms) or when the peer closes. */
  async next(deadline: number): Promise<Record<string, unknown>> {
    for (;;) {
      if (this.msgs.length) return this.msgs.shift() as Record<string, unknown>;
      if (this.closed) throw new Error("socket closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Timeout();
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = undefined;
    }
  }

  close() {
    this.closed = true;
    this.sock.destroy();
  }
}

export class Timeout extends Error {
  constructor() {
    super("no answer before the deadline");
  }
}

/** Run `f` after everything queued before it (one conversation at a time per socket). */
export class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(f: () => Promise<T>): Promise<T> {
    const p = this.tail.then(f, f);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
