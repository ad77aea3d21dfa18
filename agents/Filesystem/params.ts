import type { Ctx } from "../../src/ocf/declare";
import { bool, int, str } from "../../src/ocf/declare";
import { normalizePath } from "../../src/os/canonical";
import { parseSignalList } from "../../src/os/signals";
import { checkPath, parseDevice } from "./device";

const signals = (v: string) => {
  const r = parseSignalList(v);
  return "error" in r ? r.error : undefined;
};

export const params = {
  device: str({
    required: true,
    shortdesc: "block device, UUID=/LABEL=, -U/-L, network share or bind source",
    longdesc:
      "The device to mount: a block device path (/dev/drbd0), UUID=... / LABEL=... (or -U ... / -L ...), a network share (host:/export, //server/share) or, with fstype none or options bind, the directory to bind.",
  }),
  directory: str({
    required: true,
    unique: true,
    normalize: normalizePath,
    check: (v) => (v === "/" ? "must not be /" : checkPath(v)),
    shortdesc: "mount point",
    longdesc:
      "Absolute path where the filesystem is mounted; created when missing. Must not be /. Trailing slashes are ignored. A symlink on the way is followed as the kernel does (the filesystem is mounted on the canonical path, e.g. /run/x for /var/run/x), without touching a filesystem already mounted there.",
  }),
  fstype: str({
    required: true,
    check: (v) => (/^[a-z0-9][a-z0-9._-]{0,63}$/.test(v) ? undefined : `is not a filesystem type name: '${v}'`),
    shortdesc: "filesystem type",
    longdesc: "Filesystem type passed to mount -t (ext4, xfs, nfs4, ...); none for a bind mount.",
  }),
  options: str({
    default: "",
    check: (v) => (/^[A-Za-z0-9_.,=:@%+\/-]*$/.test(v) ? undefined : `has characters not allowed in mount options: '${v}'`),
    shortdesc: "mount options",
    longdesc: "Options for mount -o, comma separated. bind (or rbind) makes this a bind mount.",
  }),
  statusfile_prefix: str({
    default: ".Filesystem_status/",
    check: (v) => (/^[A-Za-z0-9._-]+\/?$/.test(v) ? undefined : `must be a plain relative name, got '${v}'`),
    shortdesc: "status file prefix for monitor depth 20",
    longdesc:
      "Depth-20 monitors write and read back <directory>/<prefix><resource>[_<node>] to prove the filesystem takes writes.",
  }),
  run_fsck: str({
    default: "auto",
    check: (v) => (/^(auto|force|no)$/.test(v) ? undefined : `must be auto, force or no, got '${v}'`),
    shortdesc: "fsck before mount: auto, force or no",
    longdesc:
      "auto runs fsck -p only for filesystems without a journal (ext2, vfat, ...); force always runs it; no never. fsck exit codes 4 and above fail the start.",
  }),
  fast_stop: bool({
    default: false,
    shortdesc: "escalate quickly to kill_signals on stop",
    longdesc:
      "true: one round of term_signals, then kill_signals at once. false: term_signals are retried for up to half of the stop timeout before kill_signals. Either way stop ends within its timeout.",
  }),
  force_clones: bool({
    default: false,
    shortdesc: "allow cloning a non-cluster filesystem",
    longdesc: "Cloning ext4, xfs and other single-node filesystems corrupts them; true allows it anyway (read-only mounts).",
  }),
  force_unmount: str({
    default: "true",
    check: (v) => (/^(true|safe|false|yes|no|1|0)$/.test(v) ? undefined : `must be true, safe or false, got '${v}'`),
    shortdesc: "kill processes that keep the mount busy: true, safe or false",
    longdesc:
      "true and safe: find users by reading /proc (cwd, root, exe, open files, memory maps; never fuser) and signal them; false: signal nobody, stop fails if the mount stays busy.",
  }),
  term_signals: str({
    default: "TERM",
    check: signals,
    shortdesc: "signals sent first to processes using the mount",
    longdesc: "Space or comma separated signal names or numbers sent first, e.g. TERM or HUP,TERM.",
  }),
  kill_signals: str({
    default: "KILL",
    check: signals,
    shortdesc: "signals sent when term_signals did not free the mount",
    longdesc: "Space or comma separated signal names or numbers sent after term_signals did not help.",
  }),
  signal_delay: int({
    default: 1,
    min: 0,
    max: 60,
    shortdesc: "seconds to wait after signalling before retrying umount",
    longdesc: "How long to wait for signalled processes to exit before the next umount attempt (polled every 50 ms).",
  }),
};

export type FsParams = typeof params;
export type FsCtx = Ctx<FsParams>;

/** `device` must make sense for `fstype` and `options` (a bind source is a path, a share host:/path). */
export function checkDevice(p: { device: string; fstype: string; options: string }): string | undefined {
  const s = parseDevice(p.device, p.fstype, p.options);
  return typeof s === "string" ? `parameter 'device' ${s}` : undefined;
}
