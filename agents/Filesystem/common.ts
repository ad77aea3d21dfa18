import { OCF, fail } from "../../src/ocf/codes";
import type { Mount } from "../../src/os/mountinfo";
import { blockDevNum, mountMatches, parseDevice, resolveTag, type DeviceSpec } from "./device";
import type { FsCtx } from "./params";
import type { MountRecord } from "./record";

/** What `device` names (the runtime refused a device that does not parse: checkDevice). */
export function deviceSpec(ctx: FsCtx): DeviceSpec {
  const p = ctx.params;
  const s = parseDevice(p.device, p.fstype, p.options);
  return typeof s === "string" ? fail(OCF.ERR_CONFIGURED, `parameter 'device' ${s}`) : s;
}

/**
 * "major:minor" of the block device this resource mounts (block paths, UUID=/LABEL=), else
 * undefined: network shares, binds and pseudo filesystems have no device of their own to look for.
 */
export function devNumOf(spec: DeviceSpec, rec: MountRecord): string | undefined {
  let dev: string | undefined;
  if (spec.kind === "block") dev = blockDevNum(spec.path);
  else if (spec.kind === "tag") {
    const path = resolveTag(spec) ?? rec.source;
    dev = path ? blockDevNum(path) : undefined;
  } else return undefined;
  dev ??= rec.dev;
  // 0:N are anonymous devices (btrfs subvolumes, tmpfs): they name no block device
  return dev && !dev.startsWith("0:") ? dev : undefined;
}

/** Is `m` this resource's filesystem? */
export const isOurs = (m: Mount, spec: DeviceSpec, rec: MountRecord) => mountMatches(m, spec, rec);

/** Mounts of the block device `dev` anywhere in this namespace. */
export const onDevice = (all: Mount[], dev: string | undefined) => (dev ? all.filter((m) => m.dev === dev) : []);

/**
 * What stop must remove to free `roots`, in a safe order: the roots and everything mounted on top
 * of them or below them (their descendants in the mount tree: sub-mounts, and what was stacked on
 * the mount point afterwards), children before parents, and at the same level the later mount
 * first. Mounts that merely share a path prefix but hang elsewhere in the tree are not touched.
 */
export function mountsToRemove(all: Mount[], roots: Mount[]): Mount[] {
  const ids = new Set(roots.map((m) => m.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of all) if (!ids.has(m.id) && ids.has(m.parent)) grew = !!ids.add(m.id);
  }
  const byId = new Map(all.map((m) => [m.id, m]));
  const order = new Map(all.map((m, i) => [m.id, i]));
  const depth = (m: Mount) => {
    let d = 0;
    for (let p = byId.get(m.parent), seen = 0; p && p.id !== m.id && seen < all.length; p = byId.get(p.parent), seen++) d++;
    return d;
  };
  return all.filter((m) => ids.has(m.id)).sort((a, b) => depth(b) - depth(a) || order.get(b.id)! - order.get(a.id)!);
}

export { mountMatches };
