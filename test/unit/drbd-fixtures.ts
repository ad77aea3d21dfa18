/**
 * Realistic status text for one two-node resource in a given state, as each source prints it:
 * events2 of DRBD 9 (drbdsetup_events2.c), events2 of 8.4 through drbdsetup-84 (as recorded from
 * real 8.4.11 with drbd-utils 9.22 in test/unit/fixtures/drbd-8.4.11: peer-node-id:0 conn-name:peer,
 * WFConnection shown as Connecting, replication "Off" while unconnected; once StandAlone the
 * connection and peer devices stay, without conn-name), and 8.4's /proc/drbd.
 */
export type Role = "Primary" | "Secondary";
export type Conn = "Connected" | "StandAlone" | "WFConnection" | "SyncSource" | "SyncTarget";

export interface Shape {
  role: Role;
  disk: string;
  conn: Conn;
  /** default: UpToDate when Connected/SyncTarget, Inconsistent as SyncSource, DUnknown otherwise */
  peerDisk?: string;
  peerRole?: string;
  volumes?: number;
}

export const peerDiskOf = (s: Shape) =>
  s.peerDisk ?? (s.conn === "Connected" || s.conn === "SyncTarget" ? "UpToDate" : s.conn === "SyncSource" ? "Inconsistent" : "DUnknown");
const connected = (c: Conn) => c !== "StandAlone" && c !== "WFConnection";
const peerRoleOf = (s: Shape) => (connected(s.conn) ? (s.peerRole ?? "Secondary") : "Unknown");
const repl = (c: Conn) => (c === "Connected" ? "Established" : connected(c) ? c : "Off");
const vols = (s: Shape) => Array.from({ length: s.volumes ?? 1 }, (_, i) => i);

export function events2v9(s: Shape, name = "r0"): string {
  const conn = s.conn === "WFConnection" ? "Connecting" : connected(s.conn) ? "Connected" : "StandAlone";
  const score = s.disk === "UpToDate" ? 10101 : 10000;
  return [
    `exists resource name:${name} role:${s.role} suspended:no force-io-failures:no may_promote:no promotion_score:${score}`,
    `exists connection name:${name} peer-node-id:1 conn-name:delta connection:${conn} role:${peerRoleOf(s)}`,
    ...vols(s).map((v) => `exists device name:${name} volume:${v} minor:${v} backing_dev:${s.disk === "Diskless" ? "none" : `/dev/vg/${name}-${v}`} disk:${s.disk} client:no quorum:yes`),
    ...vols(s).map((v) => `exists peer-device name:${name} peer-node-id:1 conn-name:delta volume:${v} replication:${repl(s.conn)} peer-disk:${peerDiskOf(s)} peer-client:no resync-suspended:no`),
    ...(connected(s.conn) ? [`exists path name:${name} peer-node-id:1 conn-name:delta local:ipv4:198.51.100.11:7789 peer:ipv4:198.51.100.12:7789 established:yes`] : []),
    "exists -",
    "",
  ].join("\n");
}

export function events2v84(s: Shape, name = "r0"): string {
  const conn = s.conn === "WFConnection" ? "Connecting" : s.conn === "StandAlone" ? "StandAlone" : "Connected";
  const cn = s.conn === "StandAlone" ? "" : " conn-name:peer";
  return [
    `exists resource name:${name} role:${s.role} suspended:no`,
    `exists connection name:${name} peer-node-id:0${cn} connection:${conn} role:${peerRoleOf(s)}`,
    ...vols(s).map((v) => `exists device name:${name} volume:${v} minor:${v} disk:${s.disk}`),
    ...vols(s).map((v) => `exists peer-device name:${name} peer-node-id:0${cn} volume:${v} replication:${repl(s.conn)} peer-disk:${peerDiskOf(s)} resync-suspended:no`),
    "exists -",
    "",
  ].join("\n");
}

/** The kernel prints a Secondary, Diskless, StandAlone minor as "Unconfigured" (drbd_proc.c). */
export const procUnconfigured = (s: Shape) => s.conn === "StandAlone" && s.disk === "Diskless" && s.role === "Secondary";

export function procDrbd84(s: Shape): string {
  const rows = vols(s).flatMap((v) => procUnconfigured(s) ? [`${String(v).padStart(2)}: cs:Unconfigured`] : [
    `${String(v).padStart(2)}: cs:${s.conn} ro:${s.role}/${peerRoleOf(s)} ds:${s.disk}/${peerDiskOf(s)} ${s.conn === "StandAlone" ? " " : "C"} r-----`,
    "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0",
    ...(s.conn === "SyncSource" || s.conn === "SyncTarget"
      ? ["\t[=====>..............] sync'ed: 31.4% (180216/262140)K", "\tfinish: 0:00:04 speed: 40,832 (40,832) K/sec"]
      : []),
  ]);
  return ["version: 8.4.11 (api:1/proto:86-101)", "srcversion: 211FB288A383ED945B83420", ...rows, ""].join("\n");
}
