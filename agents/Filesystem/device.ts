import { existsSync, realpathSync, statSync } from "node:fs";
import { normalizePath } from "../../src/os/canonical";
import { devString, originOf, readMounts, type Mount } from "../../src/os/mountinfo";

/** What the `device` parameter names. */
export type DeviceSpec =
  | { kind: "block"; path: string }
  | { kind: "tag"; tag: "UUID" | "LABEL"; value: string }
  | { kind: "network"; spec: string }
  | { kind: "bind"; path: string }
  | { kind: "pseudo"; name: string };

export const NETWORK_FS = new Set(["nfs", "nfs4", "cifs", "smbfs", "smb3", "glusterfs", "ceph", "9p", "lustre", "sshfs", "fuse.sshfs"]);
/** Filesystems that more than one node may mount at once. */
export const CLUSTER_FS = new Set(["gfs2", "ocfs2", "nfs", "nfs4", "cifs", "smbfs", "smb3", "glusterfs", "ceph", "lustre", "tmpfs", "none"]);
const PSEUDO_FS = new Set(["tmpfs", "ramfs", "proc", "sysfs", "devtmpfs", "cgroup", "cgroup2", "overlay", "fuse"]);

export const isBindFs = (fstype: string, options: string) => fstype === "none" || /(^|,)r?bind(,|$)/.test(options);

// Shell metacharacters are harmless to us (no shell anywhere), but in a device or mount point
// they are almost certainly an injection attempt or a paste error; refuse them loudly. Trailing
// and doubled slashes are not refused: normalizePath removes them first (heartbeat strips them).
const SAFE_PATH = /^\/[A-Za-z0-9._+@%:,=\/ -]*$/;
export function checkPath(p: string): string | undefined {
  if (!p.startsWith("/")) return `must be an absolute path, got '${p}'`;
  if (!SAFE_PATH.test(p)) return `has characters not allowed in a path here (shell metacharacters?): '${p}'`;
  if (p.split("/").some((c) => c === "." || c === "..")) return `must not contain '.' or '..' components: '${p}'`;
  return undefined;
}

const TAG = /^(?:(UUID|LABEL)=|-(U|L)\s*)(\S+)$/;
const NETWORK = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\/[A-Za-z0-9._+@%:,=\/ -]*$|^\/\/[A-Za-z0-9._-]+\/[A-Za-z0-9._+@%$ -]+(\/[A-Za-z0-9._+@% -]*)*$/;

/** Parse `device` for a given fstype/options; returns an error text when it cannot be right. */
export function parseDevice(device: string, fstype: string, options: string): DeviceSpec | string {
  const t = TAG.exec(device);
  if (t) {
    if (!/^[A-Za-z0-9._-]+$/.test(t[3])) return `has an invalid UUID/LABEL value '${t[3]}'`;
    return { kind: "tag", tag: t[1] === "UUID" || t[2] === "U" ? "UUID" : "LABEL", value: t[3] };
  }
  if (NETWORK_FS.has(fstype)) {
    if (!NETWORK.test(device)) return `is not a network share spec (host:/path or //host/share): '${device}'`;
    return { kind: "network", spec: device };
  }
  if (isBindFs(fstype, options)) {
    const bad = checkPath(device);
    return bad ?? { kind: "bind", path: normalizePath(device) };
  }
  if ((PSEUDO_FS.has(fstype) || fstype.startsWith("fuse.")) && /^[A-Za-z0-9_-]+$/.test(device)) return { kind: "pseudo", name: device };
  const bad = checkPath(device);
  return bad ?? { kind: "block", path: normalizePath(device) };
}

/** The block device a tag names, from udev's links; undefined when udev has none (no udev here). */
export function resolveTag(spec: { tag: "UUID" | "LABEL"; value: string }): string | undefined {
  const p = `/dev/disk/by-${spec.tag.toLowerCase()}/${spec.value}`;
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** "major:minor" of a block device node, or undefined if it is not one. */
export function blockDevNum(path: string): string | undefined {
  try {
    const st = statSync(path);
    return st.isBlockDevice() ? devString(st.rdev) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Is `m` the mount of our device? Cheap: stat of a /dev node (devtmpfs, never blocks) or string
 * compare; neither the mounted filesystem nor a bind source is ever touched (safe on hung NFS).
 * `rec` is what start recorded: the block device behind UUID=/LABEL= without udev links
 * (`source`), the filesystem a bind source is on (`dev`, looked up at start).
 */
export function mountMatches(m: Mount, spec: DeviceSpec, rec: { source?: string; dev?: string } = {}): boolean {
  switch (spec.kind) {
    case "block": {
      const num = blockDevNum(spec.path);
      if (num) return num === m.dev;
      return safeReal(spec.path) === safeReal(m.source);
    }
    case "tag": {
      const dev = resolveTag(spec) ?? rec.source;
      if (!dev) return true; // nothing to compare against: the mount point decides
      const num = blockDevNum(dev);
      return num ? num === m.dev : safeReal(dev) === safeReal(m.source);
    }
    case "network":
      return m.source.replace(/\/+$/, "") === spec.spec.replace(/\/+$/, "");
    case "bind":
      // the filesystem the source is on: as start found it, else by the mount table's paths
      return (rec.dev ?? originOf(readMounts(), spec.path)?.dev) === m.dev;
    case "pseudo":
      return m.source === spec.name || m.fstype === spec.name;
  }
}

const safeReal = (p: string) => {
  try {
    return existsSync(p) ? realpathSync(p) : p;
  } catch {
    return p;
  }
};
