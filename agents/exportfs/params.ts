import type { Ctx } from "../../src/ocf/declare";
import { absPath, bool, int, optional, str } from "../../src/ocf/declare";
import { normalizePath } from "../../src/os/canonical";

export const params = {
  clientspec: str({
    required: true,
    check: (v) => (/^[A-Za-z0-9*?.:_\/@\[\]-]+$/.test(v) ? undefined : `is not a client specification (host, address, network/len, *, @netgroup): '${v}'`),
    shortdesc: "clients allowed to mount (host, network/len, *, @netgroup)",
    longdesc: "Who may mount the export, as in /etc/exports: a host name or address, a network such as 198.51.100.0/24, a wildcard, or @netgroup.",
  }),
  options: str({
    default: "",
    check: (v) => (/^[A-Za-z0-9_=:,.\/@-]*$/.test(v) ? undefined : `has characters not allowed in export options: '${v}'`),
    shortdesc: "export options (rw,no_root_squash,...)",
    longdesc: "Export options as in /etc/exports. For server=ganesha rw/ro, root_squash/no_root_squash/all_squash, anonuid/anongid, sec= and secure/insecure are translated; the rest is ignored.",
  }),
  directory: str({
    required: true,
    unique: true,
    normalize: (v) => v.split(/\s+/).filter(Boolean).map(normalizePath).join(" "),
    check: (v) => {
      const dirs = v.split(/\s+/).filter(Boolean);
      return dirs.length ? dirs.map(absPath).find(Boolean) : "is empty";
    },
    shortdesc: "directory (or space separated directories) to export",
    longdesc:
      "Absolute path(s) to export; with several, each gets fsid+1 of the one before. Trailing slashes are ignored; a path through a symlink is exported under its canonical path (as heartbeat does), which the agent records to find the export again.",
  }),
  fsid: str({
    default: "",
    check: (v) => (v === "" || v === "root" || /^\d{1,9}$/.test(v) || /^[0-9a-fA-F-]{32,36}$/.test(v) ? undefined : `must be a number, root or a UUID, got '${v}'`),
    shortdesc: "export fsid: number, root or UUID",
    longdesc: "A fixed fsid keeps file handles valid across nodes (without it clients get ESTALE after failover). ganesha uses a numeric fsid as Export_Id; otherwise one is derived from the directory.",
  }),
  unlock_on_stop: bool({ default: false, shortdesc: "release NFS locks on the filesystem at stop (kernel)", longdesc: "Writes the directory to /proc/fs/nfsd/unlock_filesystem so the filesystem can be unmounted." }),
  wait_for_leasetime_on_stop: bool({ default: false, shortdesc: "wait one NFSv4 lease time at stop", longdesc: "Lets clients' NFSv4 state on this export expire before the filesystem is unmounted (bounded by the stop timeout)." }),
  rmtab_backup: str({
    default: ".rmtab",
    check: (v) => (v === "none" || /^[A-Za-z0-9._-]+$/.test(v) ? undefined : `must be none or a plain file name, got '${v}'`),
    shortdesc: "file in the exported directory keeping its rmtab entries (kernel)",
    longdesc: "NFSv3 mount records are saved there at stop and restored into /var/lib/nfs/rmtab at start, so they follow the export. none disables it.",
  }),
  server: str({
    default: "kernel",
    check: (v) => (/^(kernel|ganesha)$/.test(v) ? undefined : `must be kernel or ganesha, got '${v}'`),
    shortdesc: "NFS server: kernel or ganesha (as in the nfsserver resource)",
    longdesc: "kernel: exportfs and /var/lib/nfs/etab. ganesha: an EXPORT block in ganesha_run_dir/exports.d, loaded by SIGHUP into the ganesha that ocf:hanfs:nfsserver runs.",
  }),
  pseudo: str({ default: "", normalize: normalizePath, check: optional(absPath), shortdesc: "NFSv4 pseudo path (ganesha; default: the directory)", longdesc: "Where NFSv4 clients find the export in the server's pseudo filesystem. Single directory only." }),
  ganesha_run_dir: str({ default: "/run/hanfs/ganesha", normalize: normalizePath, check: absPath, shortdesc: "ganesha_run_dir of the nfsserver resource", longdesc: "Must equal the nfsserver resource's ganesha_run_dir." }),
  nfs_port: int({ default: 2049, min: 1, max: 65535, shortdesc: "NFS port (ganesha monitor)", longdesc: "Where the monitor looks the export up with an NFSv4 COMPOUND." }),
  monitor_rpc_timeout: int({ default: 5, min: 1, max: 120, shortdesc: "seconds the monitor waits for the server's reply (ganesha)", longdesc: "Capped by the operation timeout." }),
};

export type ExportParams = typeof params;
export type ExCtx = Ctx<ExportParams>;

const words = (v: string) => v.split(/\s+/).filter(Boolean);

/** Rules between parameters: several directories need a numeric fsid (one each) and no pseudo path. */
export function checkExport(p: { directory: string; fsid: string; pseudo: string }): string | undefined {
  const n = words(p.directory).length;
  if (n > 1 && p.pseudo) return "pseudo works with a single directory only";
  if (n > 1 && p.fsid && !/^\d+$/.test(p.fsid)) return `fsid ${p.fsid} cannot be shared by ${n} directories; use a number`;
  return undefined;
}
