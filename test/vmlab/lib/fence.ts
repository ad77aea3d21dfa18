import { appendFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";

/** What the host can do to a VM when a guest's fence agent asks. */
export interface PowerSwitch {
  /** fence targets (cluster node VMs) */
  names(): string[];
  isOn(name: string): boolean;
  power(name: string, action: "off" | "on" | "reboot"): Promise<void>;
}

export interface FenceEvent {
  /** ISO time the request arrived */
  at: string;
  from: string;
  action: string;
  target: string;
  ok: boolean;
  detail: string;
  ms: number;
}

const ACTIONS = new Set(["ping", "list", "status", "off", "on", "reboot"]);

/**
 * The host end of the VMs' fence channel: one unix socket per node VM, which its QEMU connects to
 * (virtio-serial port org.hanfs.fence in the guest, see guest/rootfs/usr/sbin/fence_hanfsvm).
 * A request line "ID ACTION [TARGET]" is checked (known id format, action and target), carried
 * out through the PowerSwitch (one action at a time per target) and answered "ID ok [DATA]" or
 * "ID fail REASON". Every request is logged with its timing.
 */
export class FenceHost {
  readonly events: FenceEvent[] = [];
  private servers: Server[] = [];
  private sockets = new Set<Socket>();
  private perTarget = new Map<string, Promise<unknown>>();

  constructor(
    private power: PowerSwitch,
    private logFile: string,
  ) {}

  /** Serve the fence socket of the VM `from` (before its QEMU starts: QEMU connects, and reconnects after restarts). */
  listen(from: string, path: string): Promise<void> {
    rmSync(path, { force: true });
    const srv = createServer((s) => this.serve(from, s));
    this.servers.push(srv);
    return new Promise((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(path, () => resolve());
    });
  }

  private serve(from: string, s: Socket) {
    this.sockets.add(s);
    let buf = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      buf += d;
      for (let i; (i = buf.indexOf("\n")) >= 0; ) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) void this.request(from, line).then((reply) => s.writable && s.write(reply + "\n"));
      }
      if (buf.length > 4096) buf = ""; // not our protocol
    });
    s.on("error", () => undefined);
    s.on("close", () => this.sockets.delete(s));
  }

  private log(l: string) {
    try {
      appendFileSync(this.logFile, `${new Date().toISOString()} ${l}\n`);
    } catch {
      /* the run directory is being removed */
    }
  }

  private async request(from: string, line: string): Promise<string> {
    const [id, action = "", target = ""] = line.split(/\s+/);
    if (!/^[\w.-]{1,64}$/.test(id ?? "")) {
      this.log(`from ${from}: ignored malformed request ${JSON.stringify(line.slice(0, 100))}`);
      return `${id || "-"} fail malformed`;
    }
    const t0 = Date.now();
    const ev: FenceEvent = { at: new Date(t0).toISOString(), from, action, target, ok: false, detail: "", ms: 0 };
    this.log(`from ${from}: ${action} ${target} (request ${id})`);
    try {
      ev.detail = await this.act(action, target);
      ev.ok = true;
    } catch (e) {
      ev.detail = (e as Error).message.replace(/\s+/g, " ").slice(0, 200);
    }
    ev.ms = Date.now() - t0;
    if (action !== "ping" && action !== "list") this.events.push(ev);
    this.log(`from ${from}: ${action} ${target} -> ${ev.ok ? "ok" : "fail"} ${ev.detail} (${ev.ms} ms)`);
    return `${id} ${ev.ok ? "ok" : "fail"} ${ev.detail}`.trimEnd();
  }

  private async act(action: string, target: string): Promise<string> {
    if (!ACTIONS.has(action)) throw new Error(`unknown action ${action}`);
    if (action === "ping") return "pong";
    if (action === "list") return this.power.names().join(" ");
    if (!this.power.names().includes(target)) throw new Error(`unknown target ${target}`);
    if (action === "status") return this.power.isOn(target) ? "on" : "off";
    // one power action at a time per VM (both nodes may ask to fence the same one)
    const prev = this.perTarget.get(target) ?? Promise.resolve();
    const p = prev.then(() => this.power.power(target, action as "off" | "on" | "reboot"));
    this.perTarget.set(target, p.catch(() => undefined));
    await p;
    return "";
  }

  close() {
    for (const s of this.sockets) s.destroy();
    for (const srv of this.servers) srv.close();
    this.servers = [];
  }
}
