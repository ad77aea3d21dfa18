import { events2v84, events2v9, procDrbd84, type Conn, type Shape } from "../unit/drbd-fixtures";

/**
 * The fake DRBD's state: one JSON file per fake node, changed by the stub drbdadm/drbdsetup/modprobe
 * (cli.ts) the way the real tools change the kernel, rendered as /proc/drbd and events2 by the same
 * fixtures the parser tests use. Injected faults: `fail` (exit code and message for a command, a
 * number of times) and `hang` (seconds a command sleeps), keyed "drbdadm primary", "drbdsetup down", ...
 */
export interface FakeRes {
  /** defined in drbd.conf for this host */
  configured: boolean;
  volumes: number;
  /** sh-ll-dev prints a disk (else "none": intentionally diskless) */
  diskConfigured: boolean;
  allowTwoPrimaries: boolean;
  /** kernel objects: new-resource, new-minor, attach, connect */
  exists: boolean;
  minors: boolean;
  attached: boolean;
  net: boolean;
  role: "Primary" | "Secondary";
  /** local disk state while attached */
  disk: string;
  /** a peer answers when the net is configured */
  peerUp: boolean;
  peerRole: "Primary" | "Secondary";
  peerDisk: string;
  /** connection state while connected (Connected, SyncSource, SyncTarget) */
  conn: Conn;
  /** the device is open (mounted): secondary and down fail */
  open: boolean;
}

export interface Fault {
  code: number;
  stderr: string;
  /** how many more times; absent: always */
  times?: number;
}

export interface FakeState {
  version: string;
  /** modprobe/modinfo find the module */
  available: boolean;
  loaded: boolean;
  res: Record<string, FakeRes>;
  fail: Record<string, Fault>;
  hang: Record<string, number>;
  /** crm_attribute's promotion score of the resource (null: unset) */
  score: string | null;
}

export const defaultRes = (): FakeRes => ({
  configured: true,
  volumes: 1,
  diskConfigured: true,
  allowTwoPrimaries: false,
  exists: false,
  minors: false,
  attached: false,
  net: false,
  role: "Secondary",
  disk: "UpToDate",
  peerUp: true,
  peerRole: "Secondary",
  peerDisk: "UpToDate",
  conn: "Connected",
  open: false,
});

export const defaultState = (): FakeState => ({ version: "8.4.11", available: true, loaded: false, res: { r0: defaultRes() }, fail: {}, hang: {}, score: null });

/** The resource as the fixture renderers see it. */
function shape(r: FakeRes): Shape {
  const conn: Conn = !r.net ? "StandAlone" : r.peerUp ? r.conn : "WFConnection";
  const up = conn !== "StandAlone" && conn !== "WFConnection";
  return {
    role: r.role,
    disk: r.attached ? r.disk : "Diskless",
    conn,
    peerDisk: up ? r.peerDisk : "DUnknown",
    peerRole: up ? r.peerRole : undefined,
    volumes: r.volumes,
  };
}

const nine = (s: FakeState) => s.version.startsWith("9");

export function renderProc(s: FakeState): string | undefined {
  if (!s.loaded) return undefined;
  const head = nine(s) ? [`version: ${s.version} (api:2/proto:86-121)`, "srcversion: 0000000000000000000000A"] : [`version: ${s.version} (api:1/proto:86-101)`, "srcversion: 211FB288A383ED945B83420"];
  if (nine(s)) return head.join("\n") + "\n";
  const rows: string[] = [];
  for (const r of Object.values(s.res)) {
    if (!r.exists || !r.minors) continue;
    rows.push(...procDrbd84(shape(r)).split("\n").slice(2).filter(Boolean));
  }
  return [...head, ...rows, ""].join("\n");
}

export function renderEvents2(s: FakeState, name: string): string {
  const r = s.res[name];
  if (!r || !r.exists) return "exists -\n";
  if (!r.minors) return `exists resource name:${name} role:${r.role} suspended:no\nexists -\n`;
  return nine(s) ? events2v9(shape(r), name) : events2v84(shape(r), name);
}
