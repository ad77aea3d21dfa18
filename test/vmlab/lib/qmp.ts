import { JsonLines, Queue } from "./jsonsock";

export interface QmpEvent {
  event: string;
  data?: unknown;
  timestamp?: { seconds: number; microseconds: number };
}

/** A QEMU Machine Protocol client: capabilities negotiated once per connection, every command bounded by a deadline. */
export class Qmp {
  private conn?: JsonLines;
  private q = new Queue();
  private n = 0;
  /** asynchronous events seen while waiting for answers (RESET, SHUTDOWN, ...) */
  readonly events: QmpEvent[] = [];

  constructor(
    readonly path: string,
    readonly label: string,
  ) {}

  private async open(deadline: number) {
    this.conn = await JsonLines.connect(this.path, Math.max(1, deadline - Date.now()));
    const hello = await this.conn.next(deadline);
    if (!("QMP" in hello)) throw new Error(`${this.label}: not a QMP greeting: ${JSON.stringify(hello)}`);
    await this.ask("qmp_capabilities", undefined, deadline);
  }

  private async ask(cmd: string, args: object | undefined, deadline: number) {
    const id = `h${++this.n}`;
    this.conn!.send({ execute: cmd, ...(args ? { arguments: args } : {}), id });
    for (;;) {
      const m = await this.conn!.next(deadline);
      if (typeof m.event === "string") this.events.push(m as unknown as QmpEvent);
      else if (m.id === id) {
        if (m.error) throw new Error(`${this.label}: QMP ${cmd}: ${JSON.stringify(m.error)}`);
        return m.return;
      }
    }
  }

  /** One command; reconnects when the previous connection ended. */
  cmd(cmd: string, args?: object, deadlineMs = 10_000): Promise<unknown> {
    const deadline = Date.now() + deadlineMs;
    return this.q.run(async () => {
      if (!this.conn || this.conn.closed) await this.open(deadline);
      try {
        return await this.ask(cmd, args, deadline);
      } catch (e) {
        this.close(); // an unanswered command leaves the conversation out of step
        throw e;
      }
    });
  }

  close() {
    this.conn?.close();
    this.conn = undefined;
  }
}
