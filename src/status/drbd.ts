/**
 * DRBD state for `hanfs status`, read with the agent's own parsers (src/drbd). 8.4: /proc/drbd (no
 * fork); 9: `drbdsetup events2 --now` (key:value records made for programs, not a human table).
 */
import { existsSync, readFileSync } from "node:fs";
import { parseEvents2 } from "../drbd/events2";
import { parseProcDrbd } from "../drbd/proc";
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

/** 8.4's /proc/drbd (the one parser in src/drbd) in the status shape; 8.4 names no resources there. */
export function statusFromProc(text: string): DrbdState {
  const proc = parseProcDrbd(text);
  const volumes = [...proc.minors.values()].map((m): DrbdVolume => ({
    resource: `minor ${m.minor}`,
    minor: m.minor,
    role: m.role ?? "Unconfigured",
    disk: m.disk ?? "Diskless",
    peers: m.cs === "Unconfigured" ? [] : [{ name: "peer", connection: m.cs, role: m.peerRole ?? "Unknown", disk: m.peerDisk ?? "DUnknown" }],
  }));
  return { source: "/proc/drbd", version: proc.version?.text, volumes };
}

/** `drbdsetup events2 --now` (the one parser in src/drbd) in the status shape. */
export function statusFromEvents2(text: string): DrbdState {
  const volumes: DrbdVolume[] = [];
  for (const r of parseEvents2(text).resources.values())
    for (const d of r.devices)
      volumes.push({
        resource: r.name,
        minor: d.minor ?? -1,
        role: r.role ?? "Unknown",
        disk: d.disk ?? "Unknown",
        peers: r.connections.map((c) => ({
          name: c.connName ?? `node ${c.peerNodeId}`,
          connection: c.state ?? "Unknown",
          role: c.peerRole ?? "Unknown",
          disk: r.peerDevices.find((p) => p.peerNodeId === c.peerNodeId && p.volume === d.volume)?.peerDisk ?? "DUnknown",
        })),
      });
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
    const state = statusFromProc(proc);
    if (state.version?.startsWith("8.")) return state;
    // DRBD 9's /proc/drbd has the version only
    if (!["/usr/sbin/drbdsetup", "/sbin/drbdsetup"].some((p) => existsSync(p))) return { ...state, note: "DRBD 9 needs drbdsetup (drbd-utils) to be read" };
    const r = await run(["drbdsetup", "events2", "--now", "all"], { timeoutMs });
    if (r.code !== 0) return { ...state, note: `drbdsetup events2: ${r.timedOut ? "no answer in time" : (r.stderr.trim() || `exit ${r.code}`)}` };
    return { ...statusFromEvents2(r.stdout), version: state.version };
  },
};
