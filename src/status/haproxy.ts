/**
 * haproxy's view of the NFS servers from its runtime API (`show stat`: CSV, the format made for
 * programs), over the admin socket, bounded.
 */
import { net } from "../os/lazy";

export interface HaproxyServer {
  backend: string;
  server: string;
  status: string;
  check: string;
  /** seconds since the last status change */
  lastChange?: number;
}

export function parseShowStat(csv: string): HaproxyServer[] {
  const lines = csv.split("\n").filter((l) => l.trim());
  const head = lines.find((l) => l.startsWith("# "));
  if (!head) return [];
  const cols = head.slice(2).split(",");
  const at = (f: string[], name: string) => f[cols.indexOf(name)] ?? "";
  return lines
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.split(","))
    .filter((f) => !["FRONTEND", "BACKEND"].includes(at(f, "svname")))
    .map((f) => ({
      backend: at(f, "pxname"),
      server: at(f, "svname"),
      status: at(f, "status"),
      check: [at(f, "check_status"), at(f, "check_desc")].filter(Boolean).join(" "),
      lastChange: at(f, "lastchg") ? Number(at(f, "lastchg")) : undefined,
    }));
}

/** Resolves with the rows or an error text; never rejects, never waits longer than timeoutMs. */
export function haproxyServers(socket: string, timeoutMs: number): Promise<HaproxyServer[] | string> {
  return new Promise((resolve) => {
    let data = "";
    let done = false;
    const finish = (v: HaproxyServer[] | string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const s = net().createConnection({ path: socket });
    const timer = setTimeout(() => finish(`no answer from ${socket} within ${timeoutMs} ms`), timeoutMs);
    s.on("connect", () => s.write("show stat\n"));
    s.on("data", (d) => (data += d));
    s.on("end", () => finish(parseShowStat(data)));
    s.on("error", (e: NodeJS.ErrnoException) => finish(`${socket}: ${e.code ?? e.message}`));
  });
}
