import type { DrbdResource } from "./events2";
import { parseDrbdVersion, type DrbdVersion } from "./version";

/**
 * /proc/drbd of DRBD 8.4 (drbd_proc.c). The 8.4 fence handlers read it instead of asking drbdsetup:
 * they may run while `drbdsetup primary` holds the genetlink lock, and a netlink call would deadlock.
 *
 *   version: 8.4.11 (api:1/proto:86-101)
 *   srcversion: 211FB288A383ED945B83420
 *    0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----
 *       ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0
 *    1: cs:Unconfigured
 *
 * DRBD 9 prints only the version lines (state is per connection there; use events2).
 */
export interface ProcMinor {
  minor: number;
  /** connection state as 8.4 names it: StandAlone, WFConnection, Connected, SyncSource, … */
  cs: string;
  role?: string;
  peerRole?: string;
  disk?: string;
  peerDisk?: string;
  /** wire protocol A/B/C; absent without a network configuration */
  protocol?: string;
  /** IO suspended (first flag 's') */
  suspended?: boolean;
}

export interface ProcDrbd {
  version?: DrbdVersion;
  minors: Map<number, ProcMinor>;
}

const MINOR = /^\s*(\d+): cs:(\S+)(?: ro:([^/\s]+)\/(\S+) ds:([^/\s]+)\/(\S+)(.*))?$/;

export function parseProcDrbd(text: string): ProcDrbd {
  const out: ProcDrbd = { minors: new Map() };
  for (const line of text.split("\n")) {
    if (line.startsWith("version:")) out.version = parseDrbdVersion(line);
    const m = MINOR.exec(line);
    if (!m) continue;
    const x: ProcMinor = { minor: Number(m[1]), cs: m[2] };
    if (m[3] !== undefined) Object.assign(x, { role: m[3], peerRole: m[4], disk: m[5], peerDisk: m[6] });
    for (const t of (m[7] ?? "").trim().split(/\s+/)) {
      if (/^[A-C]$/.test(t)) x.protocol = t;
      else if (/^[rs][-a-z]{5}/.test(t)) x.suspended = t[0] === "s";
    }
    out.minors.set(x.minor, x);
  }
  return out;
}

/** 8.4 connection states below Connected; drbdsetup-84 prints WFConnection as Connecting in events2. */
const UNCONNECTED = new Set(["StandAlone", "Disconnecting", "Unconnected", "Timeout", "BrokenPipe", "NetworkFailure", "ProtocolError", "TearDown"]);

/**
 * The resource that the given minors (DRBD_MINOR, in volume order) form, in events2's shape, so the
 * policy reads one model: the mapping mirrors what drbdsetup-84 prints for the same kernel state.
 * Undefined when a minor is missing or unconfigured (the resource is down).
 */
export function resourceFromProc(proc: ProcDrbd, name: string, minors: number[]): DrbdResource | undefined {
  const rows = minors.map((m) => proc.minors.get(m));
  if (!rows.length || rows.some((r) => !r || r.cs === "Unconfigured" || r.role === undefined)) return undefined;
  const ms = rows as ProcMinor[];
  const primary = ms.some((r) => r.role === "Primary");
  const cs = ms[0].cs;
  const res: DrbdResource = {
    name,
    role: primary ? "Primary" : "Secondary",
    suspended: ms.some((r) => r.suspended) ? "yes" : "no",
    connections: [],
    devices: ms.map((r, volume) => ({ volume, minor: r.minor, disk: r.disk })),
    peerDevices: [],
  };
  // drbdsetup-84 names the connection "peer" only while it has a network configuration; StandAlone
  // (after disconnect, or a refused split brain) still has the connection and its peer devices,
  // unnamed (recorded from real 8.4.11: test/unit/fixtures/drbd-8.4.11/alpha-standalone.*)
  const standAlone = cs === "StandAlone";
  const connected = !UNCONNECTED.has(cs) && cs !== "WFConnection" && cs !== "WFReportParams";
  const named = standAlone ? {} : { connName: "peer" };
  res.connections.push({
    peerNodeId: 0,
    ...named,
    state: connected || cs === "WFReportParams" ? "Connected" : cs === "WFConnection" ? "Connecting" : cs,
    peerRole: ms.some((r) => r.peerRole === "Primary") ? "Primary" : ms[0].peerRole,
  });
  res.peerDevices = ms.map((r, volume) => ({
    peerNodeId: 0,
    ...named,
    volume,
    replication: r.cs === "Connected" ? "Established" : connected ? r.cs : "Off",
    peerDisk: r.peerDisk,
  }));
  return res;
}
