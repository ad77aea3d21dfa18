/**
 * `hanfs status`: what an operator asks first on a node, gathered without parsing any tool's human
 * output: DRBD (proc or events2), the mount (mountinfo), whether the NFS server answers (RPC NULL),
 * grace and clients (/proc/fs/nfsd), haproxy's view (its runtime API). Every probe is bounded.
 */
import { hostname } from "node:os";
import { readMounts } from "../os/mountinfo";
import { findByComm } from "../os/procs";
import { PROG, rpcNull } from "../rpc/index";
import { type DrbdReader, type DrbdState, defaultDrbdReader } from "./drbd";
import { type HaproxyServer, haproxyServers } from "./haproxy";
import { type NfsdState, readNfsd } from "./nfsd";

export interface Probe {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Status {
  node: string;
  drbd: DrbdState;
  mount: { directory: string; mounted: boolean; source?: string; fstype?: string; readOnly?: boolean };
  nfs: { server: "kernel" | "ganesha" | "none"; address: string; v4: Probe; v3: Probe };
  nfsd: NfsdState;
  haproxy?: { socket: string; servers?: HaproxyServer[]; error?: string };
}

export interface StatusOptions {
  mount: string;
  nfsHost: string;
  nfsPort: number;
  haproxySocket?: string;
  timeoutMs: number;
  drbd?: DrbdReader;
  nfsdDir?: string;
  /** where to look for a running ganesha.nfsd (tests point it at an empty directory) */
  proc?: string;
}

async function probe(host: string, port: number, vers: number, timeoutMs: number): Promise<Probe> {
  const r = await rpcNull({ host, port, prog: PROG.NFS, vers, timeoutMs });
  return r.ok ? { ok: true, ms: r.ms } : { ok: false, ms: r.ms, error: `${r.kind}: ${r.message}` };
}

export async function collectStatus(o: StatusOptions): Promise<Status> {
  const m = readMounts().filter((x) => x.mountpoint === o.mount).pop();
  const nfsd = readNfsd(o.nfsdDir);
  const ganesha = (findByComm(["ganesha.nfsd"], o.proc).get("ganesha.nfsd") ?? []).length > 0;
  // the probes run side by side: the whole command stays within one timeout
  const [drbd, v4, v3, hap] = await Promise.all([
    (o.drbd ?? defaultDrbdReader).read(o.timeoutMs),
    probe(o.nfsHost, o.nfsPort, 4, o.timeoutMs),
    probe(o.nfsHost, o.nfsPort, 3, o.timeoutMs),
    o.haproxySocket ? haproxyServers(o.haproxySocket, o.timeoutMs) : Promise.resolve(undefined),
  ]);
  return {
    node: hostname(),
    drbd,
    mount: m
      ? { directory: o.mount, mounted: true, source: m.source, fstype: m.fstype, readOnly: m.options.split(",").includes("ro") }
      : { directory: o.mount, mounted: false },
    nfs: { server: nfsd.mounted && (nfsd.threads ?? 0) > 0 ? "kernel" : ganesha ? "ganesha" : "none", address: `${o.nfsHost}:${o.nfsPort}`, v4, v3 },
    nfsd,
    ...(o.haproxySocket ? { haproxy: typeof hap === "string" ? { socket: o.haproxySocket, error: hap } : { socket: o.haproxySocket, servers: hap } } : {}),
  };
}

const yes = (p: Probe) => (p.ok ? `answers (${p.ms} ms)` : `no (${p.error})`);

/** One screen for a person. */
export function renderStatus(s: Status): string {
  const out = [`hanfs status on ${s.node}`];
  if (!s.drbd.volumes.length) out.push(`DRBD      ${s.drbd.note ?? "no volumes"}`);
  for (const v of s.drbd.volumes) {
    const peers = v.peers.map((p) => `${p.name} ${p.connection} ${p.role}/${p.disk}`).join(", ") || "no peer";
    out.push(`DRBD      ${v.resource} (minor ${v.minor}): ${v.role}/${v.disk}; peer: ${peers}`);
  }
  out.push(s.mount.mounted ? `mount     ${s.mount.directory}: ${s.mount.source} (${s.mount.fstype}${s.mount.readOnly ? ", read-only" : ""})` : `mount     ${s.mount.directory}: not mounted`);
  out.push(`NFS       server ${s.nfs.server}; ${s.nfs.address} v4 ${yes(s.nfs.v4)}; v3 ${yes(s.nfs.v3)}`);
  if (s.nfsd.mounted) {
    const grace = s.nfsd.inGrace === undefined ? "unknown (kernel has no v4_end_grace)" : s.nfsd.inGrace ? "IN GRACE (new opens and locks wait)" : "over";
    out.push(`nfsd      ${s.nfsd.threads} threads; grace ${s.nfsd.graceTime ?? "?"} s, lease ${s.nfsd.leaseTime ?? "?"} s; grace period ${grace}`);
    if (s.nfsd.clients === undefined) out.push("clients   unknown (kernel has no /proc/fs/nfsd/clients)");
    else {
      out.push(`clients   ${s.nfsd.clients.length} NFSv4 client(s)`);
      for (const c of s.nfsd.clients.slice(0, 10)) out.push(`          ${c.address} v4.${c.minorVersion ?? "?"} ${c.status ?? ""} ${c.name}`.trimEnd());
      if (s.nfsd.clients.length > 10) out.push(`          ... ${s.nfsd.clients.length - 10} more (--json lists all)`);
    }
  } else out.push(s.nfs.server === "ganesha" ? "nfsd      not in use (ganesha serves; grace and clients are not read from it)" : "nfsd      /proc/fs/nfsd not mounted");
  if (s.haproxy) {
    if (s.haproxy.error) out.push(`haproxy   ${s.haproxy.error}`);
    else for (const h of s.haproxy.servers ?? []) out.push(`haproxy   ${h.backend}/${h.server}: ${h.status}${h.check ? ` (${h.check})` : ""}${h.lastChange !== undefined ? `, for ${h.lastChange} s` : ""}`);
  }
  return out.join("\n") + "\n";
}
