/**
 * DRBD state for `hanfs status`, behind a small interface so the parsers being written in src/drbd/
 * can replace these readers. 8.4: /proc/drbd (no fork); 9: `drbdsetup events2 --now` (key:value
 * records made for programs, not a human table).
 */
import { existsSync, readFileSync } from "node:fs";
import { run } from "../os/exec";

export interface DrbdPeer {
  name: string;
  connection: string;
  role: string;
  disk: string;
}

export interface DrbdVolume {
  /** resource name (9) or "minor N" (8.4, whose /proc/drbd has no names) */
  resource: string;
  minor: number;
  role: string;
  disk: string;
  peers: DrbdPeer[];
}

export interface DrbdState {
  source: "/proc/drbd" | "drbdsetup events2" | "none";
  version?: string;
  volumes: DrbdVolume[];
  /** why nothing could be read, when volumes is empty */
  note?: string;
}

export interface DrbdReader {
  read(timeoutMs: number): Promise<DrbdState>;
}

/** /proc/drbd of 8.4: " 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----" */
export function parseProcDrbd(text: string): DrbdState {
  const version = /^version: (\S+)/m.exec(text)?.[1];
  const volumes: DrbdVolume[] = [];
  for (const m of text.matchAll(/^\s*(\d+): cs:(\S+)(?: ro:(\S+)\/(\S+) ds:(\S+)\/(\S+))?/gm)) {
    const [, minor, cs, role = "Unconfigured", peerRole = "Unknown", disk = "Diskless", peerDisk = "DUnknown"] = m;
    volumes.push({ resource: `minor ${minor}`, minor: Number(minor), role, disk, peers: cs === "Unconfigured" ? [] : [{ name: "peer", connection: cs, role: peerRole, disk: peerDisk }] });
  }
  return { source: "/proc/drbd", version, volumes };
}

/** `drbdsetup events2 --now` records: "exists <object> key:value ..."; unknown keys ignored. */
export function parseEvents2(text: string): DrbdState {
  const roles = new Map<string, string>();
  const conns = new Map<string, { connection: string; role: string }>();
  const volumes: DrbdVolume[] = [];
  const peerDisks = new Map<string, string>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== "exists" || f.length < 3) continue;
    const kv = Object.fromEntries(f.slice(2).map((x) => [x.slice(0, x.indexOf(":")), x.slice(x.indexOf(":") + 1)]));
    const peer = `${kv.name}/${kv["conn-name"] ?? kv["peer-node-id"]}`;
    if (f[1] === "resource") roles.set(kv.name, kv.role ?? "Unknown");
    else if (f[1] === "connection") conns.set(peer, { connection: kv.connection ?? "Unknown", role: kv.role ?? "Unknown" });
    else if (f[1] === "device") volumes.push({ resource: kv.name, minor: Number(kv.minor), role: "", disk: kv.disk ?? "Unknown", peers: [] });
    else if (f[1] === "peer-device") peerDisks.set(`${peer}/${kv.volume}`, kv["peer-disk"] ?? "DUnknown");
  }
  for (const v of volumes) {
    v.role = roles.get(v.resource) ?? "Unknown";
    for (const [key, c] of conns)
      if (key.startsWith(`${v.resource}/`)) v.peers.push({ name: key.slice(v.resource.length + 1), connection: c.connection, role: c.role, disk: [...peerDisks].find(([k]) => k.startsWith(`${key}/`))?.[1] ?? "DUnknown" });
  }
  return { source: "drbdsetup events2", volumes };
}

export const defaultDrbdReader: DrbdReader = {
  async read(timeoutMs) {
    let proc = "";
    try {
      proc = readFileSync("/proc/drbd", "utf8");
    } catch {
      return { source: "none", volumes: [], note: "no /proc/drbd: the drbd module is not loaded" };
    }
    const state = parseProcDrbd(proc);
    if (state.version?.startsWith("8.")) return state;
    // DRBD 9's /proc/drbd has the version only
    if (!["/usr/sbin/drbdsetup", "/sbin/drbdsetup"].some((p) => existsSync(p))) return { ...state, note: "DRBD 9 needs drbdsetup (drbd-utils) to be read" };
    const r = await run(["drbdsetup", "events2", "--now", "all"], { timeoutMs });
    if (r.code !== 0) return { ...state, note: `drbdsetup events2: ${r.timedOut ? "no answer in time" : (r.stderr.trim() || `exit ${r.code}`)}` };
    return { ...parseEvents2(r.stdout), version: state.version };
  },
};
