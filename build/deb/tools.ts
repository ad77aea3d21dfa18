/**
 * Which program of the hanfs binary runs which tool, and the Debian 12 package that has it. The
 * .deb's Depends/Recommends/Suggests come from here (rows whose program the staged install really
 * contains), the README's table too (`npm run metadata`), and test/unit/deb-tools.test.ts checks
 * the table against the programs the agents' source runs.
 *
 * Relation: depends = the program cannot work without it on any node; recommends = needed in the
 * default setup (kernel NFS server, DRBD); suggests = an alternative or another host's job
 * (ganesha, haproxy, xfs); essential = in every Debian system already (never listed, Policy 3.5);
 * none = used only where it is already there (systemctl when systemd is PID 1).
 */
export type Relation = "depends" | "recommends" | "suggests" | "essential" | "none";

export interface ToolRow {
  /** agent (OCF type), non-OCF program under /usr/lib/hanfs, or `hanfs <command>` */
  program: string;
  tools: string[];
  pkg: string;
  relation: Relation;
  /** when the program runs it */
  when: string;
  /** run by another tool, not by hanfs itself (fsck starts fsck.<type>) */
  via?: string;
}

export const TOOLS: ToolRow[] = [
  { program: "Filesystem", tools: ["mount", "umount"], pkg: "mount", relation: "depends", when: "start, stop" },
  { program: "Filesystem", tools: ["fsck"], pkg: "util-linux", relation: "essential", when: "start (run_fsck)" },
  { program: "Filesystem", tools: ["fsck.ext4"], pkg: "e2fsprogs", relation: "recommends", when: "start of ext2/3/4 (run_fsck)", via: "fsck" },
  { program: "Filesystem", tools: ["fsck.xfs"], pkg: "xfsprogs", relation: "suggests", when: "start of xfs (run_fsck=force)", via: "fsck" },
  { program: "Filesystem", tools: ["dd", "mkdir"], pkg: "coreutils", relation: "essential", when: "monitor depth 10 and 20" },
  { program: "nfsserver", tools: ["rpc.nfsd", "rpc.mountd", "nfsdcld"], pkg: "nfs-kernel-server", relation: "recommends", when: "server=kernel: start, stop" },
  { program: "nfsserver", tools: ["rpc.statd", "sm-notify", "rpc.idmapd"], pkg: "nfs-common", relation: "recommends", when: "server=kernel: start, stop (NFSv3 locks, id mapping)" },
  { program: "nfsserver", tools: ["rpcbind"], pkg: "rpcbind", relation: "recommends", when: "start (NFSv3; ganesha registers with it)" },
  { program: "nfsserver", tools: ["modprobe"], pkg: "kmod", relation: "recommends", when: "server=kernel: start (nfsd module)" },
  { program: "nfsserver", tools: ["mount", "umount"], pkg: "mount", relation: "depends", when: "server=kernel: /var/lib/nfs bind, nfsd and rpc_pipefs mounts" },
  { program: "nfsserver", tools: ["unshare", "nsenter"], pkg: "util-linux", relation: "essential", when: "server=kernel: start (server scope)" },
  { program: "nfsserver", tools: ["hostname", "sleep"], pkg: "hostname, coreutils", relation: "essential", when: "server=kernel: start (server scope)" },
  { program: "nfsserver", tools: ["systemctl"], pkg: "systemd", relation: "none", when: "server=kernel, only when systemd is PID 1: start, stop of the NFS units" },
  { program: "nfsserver", tools: ["ganesha.nfsd"], pkg: "nfs-ganesha, nfs-ganesha-vfs", relation: "suggests", when: "server=ganesha: start" },
  { program: "exportfs", tools: ["exportfs"], pkg: "nfs-kernel-server", relation: "recommends", when: "server=kernel: start, stop" },
  { program: "drbd", tools: ["drbdadm", "drbdsetup"], pkg: "drbd-utils", relation: "recommends", when: "every action" },
  { program: "drbd", tools: ["modprobe"], pkg: "kmod", relation: "recommends", when: "start (drbd module)" },
  { program: "drbd", tools: ["crm_attribute"], pkg: "pacemaker-cli-utils", relation: "recommends", when: "promotion scores", via: "src/ocf/promotion.ts" },
  { program: "drbd-fence-peer", tools: ["cibadmin", "crm_attribute"], pkg: "pacemaker-cli-utils", relation: "recommends", when: "DRBD fence-peer handler: the promotion constraint" },
  { program: "drbd-unfence-peer", tools: ["cibadmin"], pkg: "pacemaker-cli-utils", relation: "recommends", when: "DRBD after-resync-target/unfence-peer handler" },
  { program: "haproxy-check", tools: [], pkg: "haproxy", relation: "suggests", when: "run by haproxy on the proxy host; runs nothing itself" },
  { program: "hanfs crm-config", tools: ["crm", "crm_resource", "crm_verify", "cibadmin"], pkg: "crmsh, pacemaker-cli-utils", relation: "suggests", when: "--validate" },
  { program: "hanfs crm-config", tools: ["drbdadm", "haproxy"], pkg: "drbd-utils, haproxy", relation: "suggests", when: "--validate" },
  { program: "hanfs status", tools: ["drbdsetup"], pkg: "drbd-utils", relation: "recommends", when: "DRBD 9 only (events2); 8.4 is read from /proc/drbd" },
];

/** The Debian packages of rows that apply, per relation, each package once at its strongest relation. */
export function relations(rows: ToolRow[]): Record<"depends" | "recommends" | "suggests", string[]> {
  const rank = { depends: 0, recommends: 1, suggests: 2 } as const;
  const best = new Map<string, keyof typeof rank>();
  for (const r of rows) {
    if (r.relation === "essential" || r.relation === "none") continue;
    for (const p of r.pkg.split(",").map((s) => s.trim())) {
      const had = best.get(p);
      if (!had || rank[r.relation] < rank[had]) best.set(p, r.relation);
    }
  }
  const out = { depends: [] as string[], recommends: [] as string[], suggests: [] as string[] };
  for (const [p, r] of best) out[r].push(p);
  for (const k of Object.keys(out) as Array<keyof typeof out>) out[k].sort();
  return out;
}

/** README table (between <!-- tools --> markers). */
export function toolsTable(): string {
  const rows = TOOLS.map((r) => `| ${r.program.startsWith("hanfs ") ? `\`${r.program}\`` : r.program} | ${r.tools.map((t) => `\`${t}\``).join(", ") || "—"}${r.via ? ` (via \`${r.via}\`)` : ""} | ${r.pkg} | ${r.relation} | ${r.when} |`);
  return `<!-- tools -->\n| program | runs | Debian package | in the .deb | when |\n|---|---|---|---|---|\n${rows.join("\n")}\n<!-- /tools -->`;
}
