/**
 * The operation's time budget. Pacemaker SIGKILLs the whole process group at CRM_meta_timeout with
 * no warning, so we stop working `margin` earlier to still print an exit reason.
 */
export class Deadline {
  readonly at: number;
  constructor(readonly totalMs: number, now = Date.now(), margin = Math.min(3000, Math.max(300, totalMs * 0.1))) {
    this.at = now + Math.max(margin ? 100 : 0, totalMs - margin);
  }
  /** Exactly `ms` from now, no margin: for callers that do not kill us at the end (haproxy's check). */
  static within(ms: number): Deadline {
    return new Deadline(ms, Date.now(), 0);
  }
  remaining(): number {
    return Math.max(0, this.at - Date.now());
  }
  expired(): boolean {
    return this.remaining() <= 0;
  }
  /** A bound for one step: at most `ms`, never past the deadline. */
  cap(ms: number): number {
    return Math.max(0, Math.min(ms, this.remaining()));
  }
  /** Sleep at most `ms`, never past the deadline; resolves false when the deadline is hit. */
  async sleep(ms: number): Promise<boolean> {
    const t = this.cap(ms);
    await new Promise((r) => setTimeout(r, t));
    return !this.expired();
  }
  /** Poll `probe` every `everyMs` until it returns a non-undefined value or the deadline passes. */
  async until<T>(probe: () => T | undefined | Promise<T | undefined>, everyMs = 100, limitMs = Infinity): Promise<T | undefined> {
    const stop = Math.min(this.at, Date.now() + limitMs);
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      const left = stop - Date.now();
      if (left <= 0) return undefined;
      await new Promise((r) => setTimeout(r, Math.min(everyMs, left)));
    }
  }
}

/** Deadline for an action: CRM_meta_timeout (ms) when Pacemaker gives one, else the declared default (s). */
export function deadlineFromEnv(env: NodeJS.ProcessEnv, declaredSeconds: number): Deadline {
  const raw = env.OCF_RESKEY_CRM_meta_timeout;
  const ms = raw && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : declaredSeconds * 1000;
  return new Deadline(ms, origin ?? Date.now());
}

let origin: number | undefined;
/**
 * Count deadlines from process start (main.ts only; in tests the runtime is not the process's
 * start): Pacemaker's clock started when it forked us, and the runtime's own start-up, hundreds of
 * ms on a loaded node or under emulation, is already spent.
 */
export function countFromProcessStart() {
  origin = Date.now() - Math.round(process.uptime() * 1000);
}
