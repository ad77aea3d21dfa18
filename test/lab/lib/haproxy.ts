import { existsSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import type { Host } from "./host";
import { until } from "../../lib/sh";

/** srv_op_state values of `show servers state` */
export const UP = 2;
export const DOWN = 0;
/** haproxy's srv_admin_state bit for a drain set by the agent (SRV_ADMF_FDRAIN) */
export const FDRAIN = 0x08;

export interface ServerState {
  op: number;
  admin: number;
}

/**
 * Real haproxy (`-db`, in the foreground) on a lab host; its config, log and runtime-API socket live
 * in `dir` (the run's directory), never in the host's /etc or /run. State is read only through the
 * runtime API (`show servers state`, `show stat`), never from log text.
 */
export class Haproxy {
  readonly sock: string;
  readonly log: string;
  readonly cfg: string;
  pid = 0;

  constructor(
    private host: Host,
    dir: string,
    name = "haproxy",
  ) {
    this.sock = join(dir, `${name}.sock`);
    this.log = join(dir, `${name}.log`);
    this.cfg = join(dir, `${name}.cfg`);
  }

  /** A global section (log to stdout, runtime API, external checks allowed) plus `body`. */
  async start(body: string): Promise<this> {
    writeFileSync(
      this.cfg,
      `global
    log stdout format raw local0 info
    stats socket ${this.sock} mode 600 level admin
    external-check
    insecure-fork-wanted
${body}`,
    );
    this.pid = this.host.spawn(["haproxy", "-db", "-f", this.cfg], this.log);
    await until("haproxy runtime API", 10_000, () => existsSync(this.sock));
    return this;
  }

  cmd(cmd: string): Promise<string> {
    return new Promise<string>((res, rej) => {
      const s = connect(this.sock);
      let out = "";
      s.setTimeout(3000, () => (s.destroy(), rej(new Error("runtime API timeout"))));
      s.on("connect", () => s.write(cmd + "\n"));
      s.on("data", (d) => (out += d));
      s.on("end", () => res(out));
      s.on("error", rej);
    });
  }

  /** `show servers state`, parsed by its header line. */
  async serverStates(backend: string): Promise<Record<string, ServerState>> {
    const text = await this.cmd(`show servers state ${backend}`);
    const lines = text.split("\n").filter(Boolean);
    const head = lines.find((l) => l.startsWith("# "));
    if (!head) throw new Error(`show servers state ${backend}: ${text.trim().slice(0, 200)}`);
    const header = head.slice(2).split(" ");
    const out: Record<string, ServerState> = {};
    for (const l of lines.filter((x) => !x.startsWith("#") && x.includes(" "))) {
      const c = l.split(" ");
      const col = (n: string) => c[header.indexOf(n)];
      out[col("srv_name")] = { op: Number(col("srv_op_state")), admin: Number(col("srv_admin_state")) };
    }
    return out;
  }

  /** `show stat` CSV of one backend's servers, by server name (status, check_status, last_chk, ...). */
  async stat(backend: string): Promise<Record<string, Record<string, string>>> {
    const lines = (await this.cmd(`show stat ${backend} 4 -1`)).split("\n").filter(Boolean);
    const header = lines.find((l) => l.startsWith("# "))!.slice(2).split(",");
    const out: Record<string, Record<string, string>> = {};
    for (const l of lines.filter((x) => !x.startsWith("#"))) {
      const row = Object.fromEntries(l.split(",").map((v, i) => [header[i], v]));
      out[row.svname] = row;
    }
    return out;
  }

  /** ms until backend/server reaches op state `op` (polled every `everyMs`); throws after limitMs. */
  async waitState(backend: string, server: string, op: number, limitMs: number, everyMs = 100): Promise<number> {
    const t0 = Date.now();
    await until(`${backend}/${server} op_state ${op}`, limitMs, async () => (await this.serverStates(backend))[server]?.op === op, everyMs);
    return Date.now() - t0;
  }
}

/**
 * Records when each server of a backend changes op state (runtime API polled every `everyMs`):
 * `changes` lists {at, server, op} in order, the first sample included (at = its time).
 */
export class StateWatch {
  changes: { at: number; server: string; op: number }[] = [];
  errors = 0;
  private last: Record<string, number> = {};
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private hap: Haproxy,
    private backend: string,
  ) {}

  start(everyMs = 50) {
    this.timer = setInterval(() => void this.sample(), everyMs);
    return this;
  }

  async sample() {
    if (this.busy) return;
    this.busy = true;
    try {
      const s = await this.hap.serverStates(this.backend);
      const at = Date.now();
      for (const [server, st] of Object.entries(s)) {
        if (this.last[server] !== st.op) this.changes.push({ at, server, op: st.op });
        this.last[server] = st.op;
      }
    } catch {
      this.errors++;
    } finally {
      this.busy = false;
    }
  }

  /** First time after `since` at which `server` entered `op`. */
  firstAt(server: string, op: number, since: number): number | undefined {
    return this.changes.find((c) => c.server === server && c.op === op && c.at >= since)?.at;
  }

  stop() {
    clearInterval(this.timer);
    return this;
  }
}
