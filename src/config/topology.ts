/**
 * The topology `hanfs crm-config` turns into configuration: nodes, DRBD, filesystem, NFS, exports,
 * fencing, front end. Read from a JSON file (no YAML: that needs a dependency) and/or flags; flags
 * win over the file, the file over the defaults (the seed tutorial's names: r0, /dev/drbd0, ext4 on
 * /srv, state in /srv/nfs_shared). Everything is checked here, before anything is printed.
 */
import { isIP } from "node:net";

export interface NodeSpec {
  name: string;
  /** replication and haproxy address */
  address: string;
  /** DRBD backing disk on this node */
  disk: string;
}

export interface ExportSpec {
  directory: string;
  clients: string;
  options: string;
  fsid: number;
}

export interface Fencing {
  /** stonith agent type, e.g. fence_ipmilan */
  agent: string;
  /** parameters every device gets */
  params: Record<string, string>;
  /** per-node parameters: one device per node (fence_<node>, never run on that node); empty = one device for all */
  nodes: Record<string, Record<string, string>>;
}

export type Frontend = { type: "haproxy"; address: string; port: number } | { type: "ip"; address: string; cidr: number; nic?: string };

export interface Topology {
  nodes: NodeSpec[];
  drbd: { resource: string; device: string; port: number; version: "8.4" | "9" };
  filesystem: { directory: string; fstype: string; options: string; clone: boolean };
  nfs: { server: "kernel" | "ganesha"; infodir: string; v3: boolean; grace: number; lease: number; mountdPort: number };
  exports: ExportSpec[];
  /** null: stonith disabled (needs --i-know) */
  fencing: Fencing | null;
  frontend: Frontend;
}

/** Bad input (exit 2) or an unsafe choice (exit 3): printed as one line each, never a stack trace. */
export class TopologyError extends Error {
  constructor(
    readonly problems: string[],
    readonly code: 2 | 3,
  ) {
    super(problems.join("; "));
    this.name = "TopologyError";
  }
}

/** The JSON file's shape (every key optional; see `hanfs crm-config --example`). */
export interface TopologyFile {
  nodes?: Record<string, string | { address: string; disk?: string }>;
  drbd?: { resource?: string; device?: string; disk?: string | Record<string, string>; port?: number; version?: string };
  filesystem?: { directory?: string; fstype?: string; options?: string; clone?: boolean };
  nfs?: { server?: string; infodir?: string; versions?: string; grace?: number; lease?: number; mountd_port?: number };
  exports?: string[];
  fencing?: "none" | { agent?: string; params?: Record<string, string>; nodes?: Record<string, Record<string, string>> };
  frontend?: { type?: string; address?: string; port?: number; cidr_netmask?: number; nic?: string };
}

/** Flags as commander hands them over (repeatable ones are arrays). */
export interface TopologyFlags {
  node?: string[];
  drbdResource?: string;
  drbdDevice?: string;
  drbdDisk?: string[];
  drbdPort?: string;
  drbdVersion?: string;
  mount?: string;
  fstype?: string;
  mountOptions?: string;
  cloneFilesystem?: boolean;
  nfsServer?: string;
  nfsInfodir?: string;
  nfsVersions?: string;
  grace?: string;
  lease?: string;
  mountdPort?: string;
  export?: string[];
  fenceAgent?: string;
  fenceParam?: string[];
  fenceNodeParam?: string[];
  noStonith?: boolean;
  frontend?: string;
  frontendAddress?: string;
  frontendNic?: string;
}

/** The seed tutorial's topology with the lab's addresses: `hanfs crm-config --example`. */
export const EXAMPLE: TopologyFile = {
  nodes: { alpha: "198.51.100.11", delta: "198.51.100.12" },
  drbd: { resource: "r0", device: "/dev/drbd0", disk: "/dev/vdb", port: 7788, version: "8.4" },
  filesystem: { directory: "/srv", fstype: "ext4" },
  nfs: { server: "kernel", infodir: "/srv/nfs_shared", versions: "3,4", grace: 20, lease: 15 },
  exports: ["/srv/export 198.51.100.0/24(rw,sync,insecure,no_subtree_check,no_root_squash,fsid=1)"],
  fencing: { agent: "fence_ipmilan", params: { username: "admin", password: "secret", lanplus: "1" }, nodes: { alpha: { ip: "198.51.100.21" }, delta: { ip: "198.51.100.22" } } },
  frontend: { type: "haproxy", address: "198.51.100.10" },
};

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/; // crm ids, node names, DRBD resource names
const PARAM = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ABS = /^\/[^\0\s"'\\]*$/;
/** mount/export option lists, client specs: nothing a shell, crm or a DRBD file would split on */
const PLAIN = /^[A-Za-z0-9_.,:=@*/+-]*$/;
/** one /etc/exports-style line: "DIR CLIENT(OPTIONS)" (options optional) */
const EXPORT_LINE = /^(\S+)\s+([^\s(]+)(?:\(([^)]*)\))?$/;

function keyValue(s: string, what: string, bad: string[]): [string, string] | undefined {
  const i = s.indexOf("=");
  if (i <= 0) return void bad.push(`${what} '${s}': expected KEY=VALUE`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function int(v: unknown, what: string, min: number, max: number, bad: string[]): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : /^\d+$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) return void bad.push(`${what} '${String(v)}': must be a whole number from ${min} to ${max}`);
  return n;
}

function str(v: unknown, what: string, bad: string[]): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") return void bad.push(`${what}: must be a string`);
  return v;
}

/** Merge file and flags over the defaults and check everything; throws TopologyError (code 2). */
export function buildTopology(file: TopologyFile, flags: TopologyFlags): Topology {
  const bad: string[] = [];
  const f = file;

  // nodes: flags replace the file's list as a whole
  const nodeAddr = new Map<string, string>();
  const nodeDisk = new Map<string, string>();
  if (flags.node?.length) {
    for (const n of flags.node) {
      const kv = keyValue(n, "--node", bad);
      if (kv) nodeAddr.set(kv[0], kv[1]);
    }
  } else if (f.nodes) {
    if (typeof f.nodes !== "object" || Array.isArray(f.nodes)) bad.push('nodes: expected {"alpha": "ADDRESS", ...}');
    else
      for (const [name, v] of Object.entries(f.nodes)) {
        if (typeof v === "string") nodeAddr.set(name, v);
        else if (v && typeof v === "object" && typeof v.address === "string") {
          nodeAddr.set(name, v.address);
          if (v.disk !== undefined) nodeDisk.set(name, String(v.disk));
        } else bad.push(`nodes.${name}: expected an address or {"address": ..., "disk": ...}`);
      }
  }
  // DRBD backing disks: "DEV" for every node or "NODE=DEV"
  const disks: Array<string> = flags.drbdDisk?.length ? flags.drbdDisk : typeof f.drbd?.disk === "string" ? [f.drbd.disk] : Object.entries(f.drbd?.disk ?? {}).map(([n, d]) => `${n}=${d}`);
  let allDisk: string | undefined;
  for (const d of disks) {
    if (d.startsWith("/")) allDisk = d;
    else {
      const kv = keyValue(d, "--drbd-disk", bad);
      if (kv) nodeDisk.set(kv[0], kv[1]);
    }
  }
  const nodes: NodeSpec[] = [...nodeAddr].map(([name, address]) => ({ name, address, disk: nodeDisk.get(name) ?? allDisk ?? "" }));
  if (nodes.length !== 2) bad.push(`nodes: exactly two are needed (DRBD replicates between two here; got ${nodes.length}: give --node alpha=ADDRESS --node delta=ADDRESS)`);
  for (const n of nodes) {
    if (!NAME.test(n.name)) bad.push(`node name '${n.name}': letters, digits, '_', '.', '-' only, starting with a letter`);
    if (!isIP(n.address)) bad.push(`node ${n.name}: address '${n.address}' is not an IPv4 or IPv6 address`);
    if (!n.disk) bad.push(`node ${n.name}: no DRBD backing disk (--drbd-disk /dev/vdb or --drbd-disk ${n.name}=/dev/vdb)`);
    else if (!ABS.test(n.disk)) bad.push(`node ${n.name}: disk '${n.disk}' is not an absolute path`);
  }
  for (const name of nodeDisk.keys()) if (!nodeAddr.has(name)) bad.push(`--drbd-disk ${name}=...: no such node`);

  const drbdVersion = flags.drbdVersion ?? f.drbd?.version ?? "8.4";
  if (drbdVersion !== "8.4" && drbdVersion !== "9") bad.push(`DRBD version '${drbdVersion}': 8.4 or 9`);
  const drbd = {
    resource: flags.drbdResource ?? str(f.drbd?.resource, "drbd.resource", bad) ?? "r0",
    device: flags.drbdDevice ?? str(f.drbd?.device, "drbd.device", bad) ?? "/dev/drbd0",
    port: int(flags.drbdPort ?? f.drbd?.port, "DRBD port", 1, 65535, bad) ?? 7788,
    version: drbdVersion as "8.4" | "9",
  };
  if (!NAME.test(drbd.resource)) bad.push(`DRBD resource '${drbd.resource}': letters, digits, '_', '.', '-' only`);
  if (!/^\/dev\/drbd\d+$/.test(drbd.device)) bad.push(`DRBD device '${drbd.device}': expected /dev/drbdN`);

  const filesystem = {
    directory: flags.mount ?? str(f.filesystem?.directory, "filesystem.directory", bad) ?? "/srv",
    fstype: flags.fstype ?? str(f.filesystem?.fstype, "filesystem.fstype", bad) ?? "ext4",
    options: flags.mountOptions ?? str(f.filesystem?.options, "filesystem.options", bad) ?? "",
    clone: flags.cloneFilesystem ?? f.filesystem?.clone ?? false,
  };
  if (!ABS.test(filesystem.directory) || filesystem.directory === "/") bad.push(`mount point '${filesystem.directory}': an absolute path other than /`);
  if (!NAME.test(filesystem.fstype)) bad.push(`fstype '${filesystem.fstype}': not a filesystem type`);
  if (!PLAIN.test(filesystem.options)) bad.push(`mount options '${filesystem.options}': unexpected characters`);

  const versions = (flags.nfsVersions ?? f.nfs?.versions ?? "3,4").split(/[ ,]+/).filter(Boolean);
  if (!versions.length || versions.some((v) => v !== "3" && v !== "4")) bad.push(`NFS versions '${versions.join(",")}': a list of 3 and 4 (4 covers 4.0, 4.1 and 4.2)`);
  if (!versions.includes("4")) bad.push("NFS versions: NFSv4 cannot be switched off (grace, lease and the monitor use it)");
  const server = flags.nfsServer ?? f.nfs?.server ?? "kernel";
  if (server !== "kernel" && server !== "ganesha") bad.push(`NFS server '${server}': kernel or ganesha`);
  const nfs = {
    server: server as "kernel" | "ganesha",
    infodir: flags.nfsInfodir ?? str(f.nfs?.infodir, "nfs.infodir", bad) ?? `${filesystem.directory.replace(/\/$/, "")}/nfs_shared`,
    v3: versions.includes("3"),
    grace: int(flags.grace ?? f.nfs?.grace, "grace", 10, 3600, bad) ?? 20,
    lease: int(flags.lease ?? f.nfs?.lease, "lease", 10, 3600, bad) ?? 15,
    mountdPort: int(flags.mountdPort ?? f.nfs?.mountd_port, "mountd port", 1, 65535, bad) ?? 20048,
  };
  if (!ABS.test(nfs.infodir)) bad.push(`NFS state directory '${nfs.infodir}': an absolute path`);

  const exportLines = flags.export?.length ? flags.export : (f.exports ?? []);
  if (!Array.isArray(exportLines)) bad.push('exports: expected ["/srv/export 198.51.100.0/24(rw,sync)", ...]');
  const exports: ExportSpec[] = [];
  const fsids = new Set<number>();
  for (const line of Array.isArray(exportLines) ? exportLines : []) {
    const m = EXPORT_LINE.exec(String(line).trim());
    if (!m) {
      bad.push(`export '${line}': expected "DIRECTORY CLIENT(OPTIONS)" as in /etc/exports`);
      continue;
    }
    const [, directory, clients, opts = ""] = m;
    const fsidOpt = opts.split(",").find((o) => o.startsWith("fsid="));
    const options = opts.split(",").filter((o) => o && !o.startsWith("fsid=")).join(",");
    const fsid = fsidOpt ? int(fsidOpt.slice(5), `export ${directory} fsid`, 1, 2 ** 31, bad) : undefined;
    if (!ABS.test(directory)) bad.push(`export '${directory}': not an absolute path`);
    if (!PLAIN.test(clients) || !PLAIN.test(options)) bad.push(`export '${line}': unexpected characters in clients or options`);
    exports.push({ directory, clients, options, fsid: fsid ?? 0 });
    if (fsid !== undefined) fsids.add(fsid);
  }
  // a fixed fsid keeps file handles valid after failover: number the ones without
  let next = 1;
  for (const e of exports)
    if (!e.fsid) {
      while (fsids.has(next)) next++;
      e.fsid = next;
      fsids.add(next);
    }
  if (!exports.length) bad.push('no exports: give --export "/srv/export 198.51.100.0/24(rw,sync,insecure,no_root_squash)"');
  for (const e of exports)
    if (e.directory !== filesystem.directory && !e.directory.startsWith(filesystem.directory.replace(/\/$/, "") + "/"))
      bad.push(`export ${e.directory} is not on the replicated filesystem ${filesystem.directory}`);

  let fencing: Fencing | null;
  if (flags.noStonith || f.fencing === "none") fencing = null;
  else {
    // another agent on the command line: the file's parameters were for the file's agent
    const ff = typeof f.fencing === "object" && (!flags.fenceAgent || flags.fenceAgent === f.fencing.agent) ? f.fencing : {};
    const params: Record<string, string> = {};
    const perNode: Record<string, Record<string, string>> = {};
    if (flags.fenceParam?.length)
      for (const p of flags.fenceParam) {
        const kv = keyValue(p, "--fence-param", bad);
        if (kv) params[kv[0]] = kv[1];
      }
    else Object.assign(params, ff.params ?? {});
    if (flags.fenceNodeParam?.length)
      for (const p of flags.fenceNodeParam) {
        const m = /^([^:=]+):(.+)$/.exec(p);
        const kv = m && keyValue(m[2], "--fence-node-param", bad);
        if (!m) bad.push(`--fence-node-param '${p}': expected NODE:KEY=VALUE`);
        else if (kv) (perNode[m[1]] ??= {})[kv[0]] = kv[1];
      }
    else for (const [n, ps] of Object.entries(ff.nodes ?? {})) perNode[n] = { ...ps };
    fencing = { agent: flags.fenceAgent ?? ff.agent ?? "", params, nodes: perNode };
    if (!fencing.agent) bad.push("fencing: no fence agent (--fence-agent fence_ipmilan ..., or --no-stonith --i-know for a test cluster)");
    else if (!/^[A-Za-z][A-Za-z0-9_/.-]*$/.test(fencing.agent)) bad.push(`fence agent '${fencing.agent}': not an agent name`);
    for (const n of Object.keys(perNode)) if (!nodeAddr.has(n)) bad.push(`fencing parameters for '${n}': no such node`);
    if (Object.keys(perNode).length && Object.keys(perNode).length !== nodes.length)
      bad.push(`fencing: per-node parameters given for ${Object.keys(perNode).join(", ")} but not for every node`);
    for (const [k, v] of [...Object.entries(params), ...Object.values(perNode).flatMap((p) => Object.entries(p))]) {
      if (!PARAM.test(k)) bad.push(`fence parameter '${k}': not a parameter name`);
      if (/["\n\\]/.test(String(v))) bad.push(`fence parameter ${k}: no quotes, backslashes or newlines in values`);
    }
  }

  const ftype = flags.frontend ?? f.frontend?.type ?? "haproxy";
  let address = flags.frontendAddress ?? f.frontend?.address ?? "";
  let cidr = f.frontend?.cidr_netmask;
  const slash = address.indexOf("/");
  if (slash > 0) {
    cidr = int(address.slice(slash + 1), "front-end prefix length", 1, 128, bad);
    address = address.slice(0, slash);
  }
  if (!isIP(address)) bad.push(`front-end address '${address}': give --frontend-address with an IPv4 or IPv6 address (the one clients mount)`);
  let frontend: Frontend;
  if (ftype === "haproxy") frontend = { type: "haproxy", address, port: int(f.frontend?.port, "front-end port", 1, 65535, bad) ?? 2049 };
  else if (ftype === "ip") {
    frontend = { type: "ip", address, cidr: cidr ?? (isIP(address) === 6 ? 64 : 24), nic: flags.frontendNic ?? f.frontend?.nic };
    if (frontend.nic !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(frontend.nic)) bad.push(`interface '${frontend.nic}': not an interface name`);
  } else {
    bad.push(`front end '${ftype}': haproxy or ip (a floating address)`);
    frontend = { type: "ip", address, cidr: 24 };
  }
  if (nodes.some((n) => n.address === address)) bad.push(`front-end address ${address} is also a node's address`);

  if (bad.length) throw new TopologyError(bad, 2);
  return { nodes, drbd, filesystem, nfs, exports, fencing, frontend };
}

/**
 * Choices that lose data or break failover. Refused with a reason (exit 3); only a disabled stonith
 * can be forced, with --i-know, for a test cluster.
 */
export function unsafeChoices(t: Topology, iKnow: boolean): string[] {
  const out: string[] = [];
  if (!t.fencing && !iKnow)
    out.push(
      "stonith disabled: without fencing a node that stops answering may still write to /dev/drbd0 while the other promotes it (split brain, lost writes); configure --fence-agent, or add --i-know for a test cluster",
    );
  if (t.nfs.grace < t.nfs.lease)
    out.push(`grace ${t.nfs.grace} s is shorter than the lease ${t.nfs.lease} s: clients that renewed just before the failover could not reclaim their state in time (locks lost); use grace >= lease`);
  for (const e of t.exports) {
    const opts = e.options.split(",");
    // the kernel's default is sync; async answers WRITE and COMMIT before the data is on disk
    if (opts.includes("async"))
      out.push(`export ${e.directory}: async acknowledges writes (and the COMMIT behind a client's fsync) before they reach ${t.drbd.device}, so a failover or a crash of the server loses data the client was told is safe; use sync`);
    // haproxy opens its own connections to the servers, from ports above 1023
    if (t.frontend.type === "haproxy" && t.nfs.server === "kernel" && !opts.includes("insecure"))
      out.push(`export ${e.directory}: through haproxy the kernel server sees the proxy's connections, from ports above 1023, and refuses them without 'insecure' (the client's mount fails with 'access denied' / EPERM); add insecure`);
  }
  if (t.filesystem.clone)
    out.push(
      `cloning the filesystem: ${t.filesystem.fstype} on ${t.drbd.device} mounted on both nodes at once is corrupted (${/^(ext[234]|xfs|btrfs|vfat)$/.test(t.filesystem.fstype) ? "a single-node filesystem" : "and DRBD here has one primary"}); it runs on the DRBD primary only`,
    );
  return out;
}
