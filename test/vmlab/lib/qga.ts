import { randomInt } from "node:crypto";
import type { Result } from "../../lib/sh";
import { JsonLines, Queue } from "./jsonsock";

/** Environment of every guest command (qemu-guest-agent would pass its own service environment). */
export const GUEST_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", "TERM=dumb"];

export interface ExecOpts {
  /** the command's limit: the guest kills it (timeout -s KILL), the host stops waiting shortly after (default 60 s) */
  timeoutMs?: number;
  /** throw unless the exit code is 0 (default true) */
  check?: boolean;
  /** bytes for the command's stdin */
  input?: string | Buffer;
  /** extra NAME=value entries */
  env?: string[];
}

/** How long past the command's own limit the host waits for the guest to report it killed. */
const HOST_SLACK_MS = 5000;

export class QgaError extends Error {}

/**
 * A qemu-guest-agent client over the VM's virtio-serial unix socket. One request at a time (the
 * protocol has no request ids); before the first request, and after any request that went
 * unanswered, guest-sync-delimited with a fresh id skips whatever stale answers are in the pipe.
 * Every call has a host-side deadline, so a hung guest never hangs the caller.
 */
export class Qga {
  private conn?: JsonLines;
  private synced = false;
  private q = new Queue();

  constructor(
    readonly path: string,
    readonly label: string,
  ) {}

  /** One agent command, answered within `deadlineMs` or an error. */
  call(cmd: string, args?: object, deadlineMs = 10_000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const deadline = Date.now() + deadlineMs;
    return this.q.run(async () => {
      try {
        await this.sync(deadline);
        this.conn!.send({ execute: cmd, ...(args ? { arguments: args } : {}) });
        const r = await this.conn!.next(deadline);
        if (r.error) throw new QgaError(`${this.label}: ${cmd}: ${JSON.stringify(r.error)}`);
        return r.return;
      } catch (e) {
        if (!(e instanceof QgaError)) this.synced = false;
        throw e;
      }
    });
  }

  private async sync(deadline: number) {
    if (this.synced && this.conn && !this.conn.closed) return;
    if (!this.conn || this.conn.closed) {
      this.conn = await JsonLines.connect(this.path, Math.max(1, deadline - Date.now()));
    }
    const id = randomInt(1, 2 ** 31);
    this.conn.send({ execute: "guest-sync-delimited", arguments: { id } }, true);
    for (;;) if ((await this.conn.next(deadline)).return === id) break;
    this.synced = true;
  }

  /** Forget the connection (before a reset: whatever is queued for the old agent must not reach the new one). */
  drop() {
    this.conn?.close();
    this.conn = undefined;
    this.synced = false;
  }

  /** Wait until the agent answers (boot), polling with short attempts. */
  async waitReady(deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    let last: unknown;
    while (Date.now() < end) {
      try {
        await this.call("guest-ping", undefined, Math.min(3000, Math.max(1, end - Date.now())));
        return;
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    throw new Error(`${this.label}: guest agent not ready after ${deadlineMs} ms: ${(last as Error)?.message}`);
  }

  /**
   * Run argv (or shell text) in the guest through guest-exec, wrapped in `timeout -s KILL` so a
   * hung command dies in the guest too; the host gives up HOST_SLACK_MS after the limit whatever
   * the guest does (then `timedOut` is set and the code is null).
   */
  async exec(cmd: string | string[], o: ExecOpts = {}): Promise<Result> {
    const timeoutMs = o.timeoutMs ?? 60_000;
    const argv = typeof cmd === "string" ? ["/bin/sh", "-c", cmd] : cmd;
    const what = `${this.label}: ${argv.join(" ")}`.slice(0, 300);
    const t0 = Date.now();
    const hostEnd = t0 + timeoutMs + HOST_SLACK_MS;
    const left = (cap: number) => Math.max(1, Math.min(cap, hostEnd - Date.now()));
    const fail = (r: Result, why: string): Result => {
      if (o.check ?? true) throw new Error(`${what}: ${why}\n${r.stderr.trim() || r.stdout.trim()}`.slice(0, 4000));
      return r;
    };
    let pid: number;
    try {
      const args = {
        path: "/usr/bin/timeout",
        arg: ["-s", "KILL", (timeoutMs / 1000).toFixed(1), ...argv],
        env: [...GUEST_ENV, ...(o.env ?? [])],
        "capture-output": true,
        ...(o.input !== undefined ? { "input-data": Buffer.from(o.input).toString("base64") } : {}),
      };
      pid = (await this.call("guest-exec", args, left(20_000))).pid;
    } catch (e) {
      return fail({ code: null, stdout: "", stderr: (e as Error).message, timedOut: Date.now() >= hostEnd, ms: Date.now() - t0 }, "guest-exec failed");
    }
    let delay = 50;
    for (;;) {
      let st: any; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        st = await this.call("guest-exec-status", { pid }, left(10_000));
      } catch (e) {
        // the agent refused (e.g. it restarted and forgot the pid): nothing left to wait for
        if (e instanceof QgaError) return fail({ code: null, stdout: "", stderr: e.message, timedOut: false, ms: Date.now() - t0 }, "lost");
        // unanswered: the guest is slow or gone; keep asking until the deadline
      }
      if (st?.exited) {
        const code = typeof st.exitcode === "number" ? st.exitcode : 128 + (st.signal ?? 0);
        const r: Result = {
          code,
          stdout: Buffer.from(st["out-data"] ?? "", "base64").toString("utf8"),
          stderr: Buffer.from(st["err-data"] ?? "", "base64").toString("utf8"),
          // `timeout -s KILL` exits 137 when it had to kill
          timedOut: code === 137 && Date.now() - t0 >= timeoutMs - 100,
          ms: Date.now() - t0,
        };
        return code === 0 ? r : fail(r, r.timedOut ? `timed out after ${timeoutMs} ms` : `exit ${code}`);
      }
      if (Date.now() >= hostEnd) {
        return fail({ code: null, stdout: "", stderr: `no exit reported within ${timeoutMs + HOST_SLACK_MS} ms`, timedOut: true, ms: Date.now() - t0 }, `timed out after ${timeoutMs} ms (host deadline)`);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 1.5, 500);
    }
  }

  /** Set the guest clock from the host's (after a VM was paused or restored). */
  syncTime() {
    return this.call("guest-set-time", { time: Date.now() * 1_000_000 });
  }
}
