import { mkdirSync } from "node:fs";
import { Host } from "../lab/lib/host";
import { Switch } from "../lab/lib/net";
import { PATH, type Result } from "../lib/sh";
import { Scratch, installAgent, shOut } from "./fixture";

/** Test network: 198.51.100.0/24 on a bridge in a namespace of its own, never linked to the host. */
export const NET = "198.51.100";
export const VIP = `${NET}.100`;

export type Res = Result;

/**
 * A machine made of namespaces (test/lab/lib/host.ts, `machine`): PID 1 (a reaper) of new
 * net+mount+uts+pid namespaces on the switch, with its own host name and /run. down() kills every
 * process inside (ganesha, rpcbind), like pulling the plug; the scratch space's run tracks it.
 */
export const machine = (s: Scratch, sw: Switch, name: string, addr: string) => new Host(name, addr, s.run, sw, { machine: true, port: `p-${name}`.slice(0, 15) }).up();

/** The switch of a scratch space's machines. */
export async function switchOf(s: Scratch): Promise<Switch> {
  const sw = new Switch(s.run);
  await sw.up();
  return sw;
}

/** An OCF agent run inside a machine the way pacemaker-execd runs it (never throws). */
export function agentIn(box: Host, path: string, action: string, params: Record<string, string>, env: Record<string, string> = {}, timeout = 90_000): Promise<Res> {
  const e: Record<string, string> = { PATH, OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "nfs", HA_LOGFACILITY: "none", ...env };
  for (const [k, v] of Object.entries(params)) e[`OCF_RESKEY_${k}`] = v;
  return box.exec([path, action], { env: e, timeout, check: false });
}

/** Run in a machine, never throwing (what a test looks at is the result). */
export const runIn = (box: Host, argv: string[], o: { env?: Record<string, string>; timeout?: number; input?: string } = {}) => box.exec(argv, { ...o, env: { PATH, ...o.env }, check: false });

/** EXPORT block for ganesha_extra_config / exports.d (VFS on a local directory). */
export const exportBlock = (id: number, dir: string) =>
  `EXPORT { Export_Id = ${id}; Path = "${dir}"; Pseudo = "${dir}"; Access_Type = RW; Squash = No_Root_Squash; SecType = sys; Protocols = 3, 4; Transports = TCP; FSAL { Name = VFS; } }\n`;

/** What the NFS agent tests share: both agents installed, a mounted ext4 "shared disk" with export/ and info/, and a switch. */
export interface NfsTestbed {
  s: Scratch;
  nfsserver: string;
  exportfs: string;
  shared: string;
  sw: Switch;
}

export async function nfsTestbed(): Promise<NfsTestbed> {
  const s = new Scratch();
  const nfsserver = await installAgent(s, "nfsserver");
  const exportfs = await installAgent(s, "exportfs");
  const dev = await s.loopFs("ext4", 64, "shared");
  const shared = s.mkdir("shared");
  await shOut(["mount", dev, shared]);
  mkdirSync(`${shared}/export`);
  mkdirSync(`${shared}/info`);
  return { s, nfsserver, exportfs, shared, sw: await switchOf(s) };
}
