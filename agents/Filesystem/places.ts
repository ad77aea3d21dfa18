import { OcfError } from "../../src/ocf/codes";
import { kernelPath } from "../../src/ocf/paths";
import { readMounts, topMountAt, type Mount } from "../../src/os/mountinfo";
import { devNumOf, isOurs, onDevice } from "./common";
import type { FsCtx } from "./params";
import type { DeviceSpec } from "./device";
import { readRecord, type MountRecord } from "./record";

/** Where this resource's filesystem is, or could be, mounted in this namespace. */
export interface Where {
  all: Mount[];
  rec: MountRecord;
  /** block device number, when the resource has one */
  dev?: string;
  /** the mount point as configured, as start recorded it, and canonical (when it was needed) */
  places: string[];
  /** our filesystem on top at one of the places */
  at?: Mount;
  /** another filesystem on top at one of the places */
  foreign?: Mount;
  /** every mount of our block device */
  device: Mount[];
  /** `directory` as the kernel resolves it, when it was looked up */
  canonical?: string;
  /** why the canonical path could not be looked up (hung filesystem on the way), when it was needed */
  unresolved?: string;
}

const uniq = (l: (string | undefined)[]) => l.filter((x, i): x is string => !!x && l.indexOf(x) === i);

function look(w: Omit<Where, "at" | "foreign">, spec: DeviceSpec): Where {
  let at: Mount | undefined;
  let foreign: Mount | undefined;
  for (const p of w.places) {
    const top = topMountAt(w.all, p);
    if (!top) continue;
    if (isOurs(top, spec, w.rec)) at ??= top;
    else foreign ??= top;
  }
  return { ...w, at, foreign };
}

/**
 * Find the resource's mounts from mountinfo: at the configured path, at the target start recorded,
 * and (block devices) anywhere its device is mounted. The canonical path is looked up (forks,
 * bounded by `limitMs` and the deadline) only when that is not enough: with `canonical` "always",
 * or "needed" when nothing of ours was found at the known places although our device is mounted
 * somewhere, or the resource has no device number to search by. A lookup that cannot finish is
 * reported in `unresolved`; the caller decides what it may conclude without it.
 */
export async function where(ctx: FsCtx, spec: DeviceSpec, canonical: "always" | "needed", o: { all?: Mount[]; limitMs?: number } = {}): Promise<Where> {
  const all = o.all ?? readMounts();
  const rec = readRecord(ctx);
  const dev = devNumOf(spec, rec);
  const w = look({ all, rec, dev, places: uniq([ctx.params.directory, rec.target]), device: onDevice(all, dev) }, spec);
  if (canonical === "needed" && (w.at || (dev && !w.device.length))) return w;
  // (a path mountinfo lists is canonical already: kernelPath then forks nothing)
  try {
    const canonical = await kernelPath(ctx, ctx.params.directory, all, o.limitMs);
    return look({ ...w, canonical, places: uniq([...w.places, canonical]) }, spec);
  } catch (e) {
    if (!(e instanceof OcfError)) throw e;
    return { ...w, unresolved: e.message };
  }
}

/** Mounts of the resource still present: of its device anywhere, or ours at one of the places. */
export function leftovers(w: Where, spec: DeviceSpec, all = readMounts()): Mount[] {
  return all.filter((m) => (w.dev && m.dev === w.dev) || (w.places.includes(m.mountpoint) && isOurs(m, spec, w.rec)));
}
