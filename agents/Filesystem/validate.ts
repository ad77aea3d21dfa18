import { existsSync } from "node:fs";
import { OCF, fail } from "../../src/ocf/codes";
import { onDisk } from "../../src/ocf/paths";
import { knownFstype } from "../../src/os/fstypes";
import { deviceSpec } from "./common";
import { CLUSTER_FS, blockDevNum, type DeviceSpec } from "./device";
import type { FsCtx } from "./params";

/**
 * Checks that need the node (device present, fstype mountable, clone safety); start runs them too.
 * Returns the filesystem a bind source is on ("major:minor"): looked up by a bounded child, since
 * the source may be on shared storage that hangs.
 */
export async function checkEnvironment(ctx: FsCtx, spec: DeviceSpec): Promise<string | undefined> {
  const p = ctx.params;
  if (ctx.meta.is_clone && !CLUSTER_FS.has(p.fstype) && !p.force_clones)
    fail(OCF.ERR_CONFIGURED, `cloning ${p.fstype} would corrupt it (mounted on several nodes at once); use a cluster filesystem or set force_clones=true`);
  if (!knownFstype(p.fstype)) fail(OCF.ERR_INSTALLED, `filesystem type ${p.fstype} is not supported on this node (no kernel support, module or mount helper)`);
  // block devices are nodes in /dev (devtmpfs): looked at directly
  if (spec.kind === "block" && !blockDevNum(spec.path)) {
    fail(OCF.ERR_INSTALLED, existsSync(spec.path) ? `${spec.path} is not a block device` : `device ${spec.path} does not exist on this node`);
  }
  if (spec.kind !== "bind") return undefined;
  const st = await onDisk(ctx, ctx.deadline.remaining() / 2).statPath(spec.path);
  if (!st) fail(OCF.ERR_INSTALLED, `bind source ${spec.path} does not exist on this node`);
  return st!.dev;
}

export async function validateAll(ctx: FsCtx): Promise<number> {
  await checkEnvironment(ctx, deviceSpec(ctx));
  return OCF.SUCCESS;
}
