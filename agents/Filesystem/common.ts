import { readFileSync } from "node:fs";
import { OCF, fail } from "../../src/ocf/codes";
import type { Ctx } from "../../src/ocf/declare";
import { isBelow, type Mount } from "../../src/os/mountinfo";
import { mountMatches, parseDevice, type DeviceSpec } from "./device";
import type { FsParams } from "./index";

export type FsCtx = Ctx<FsParams>;

export function deviceSpec(ctx: FsCtx): DeviceSpec {
  const p = ctx.params;
  if (p.directory === "/") fail(OCF.ERR_CONFIGURED, "parameter 'directory' must not be /");
  const s = parseDevice(p.device, p.fstype, p.options);
  return typeof s === "string" ? fail(OCF.ERR_CONFIGURED, `parameter 'device' ${s}`) : s;
}

/** Where start remembers the block device behind UUID=/LABEL= when udev has no /dev/disk links. */
export const stateFile = (ctx: FsCtx) =>
  `${ctx.env.HA_RSCTMP || "/run/resource-agents"}/hanfs-Filesystem-${ctx.instance.replace(/[^A-Za-z0-9._:-]/g, "_")}.dev`;

export function knownDevice(ctx: FsCtx): string | undefined {
  try {
    return readFileSync(stateFile(ctx), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The mounts stop must remove, deepest first: everything at or below the mount point and, for a
 * block device, every other mount of the same device (bind mounts such as /var/lib/nfs from
 * /srv/nfs_shared keep the device open and make a DRBD demote fail).
 */
export function mountsToRemove(all: Mount[], dir: string, ours: Mount | undefined, spec: DeviceSpec): Mount[] {
  const pick = all.filter((m) => isBelow(m.mountpoint, dir) || (ours && spec.kind !== "bind" && spec.kind !== "pseudo" && m.dev === ours.dev && !m.dev.startsWith("0:")));
  const order = new Map(all.map((m, i) => [m.id, i]));
  const depth = (m: Mount) => (m.mountpoint === "/" ? 0 : m.mountpoint.split("/").length);
  return pick.sort((a, b) => depth(b) - depth(a) || order.get(b.id)! - order.get(a.id)!);
}

export { mountMatches };
