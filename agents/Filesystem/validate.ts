import { existsSync } from "node:fs";
import { OCF, fail } from "../../src/ocf/codes";
import { knownFstype } from "../../src/os/fstypes";
import { deviceSpec, type FsCtx } from "./common";
import { CLUSTER_FS, blockDevNum, type DeviceSpec } from "./device";

/** Checks that need the node (device present, fstype mountable, clone safety); start runs them too. */
export function checkEnvironment(ctx: FsCtx, spec: DeviceSpec) {
  const p = ctx.params;
  if (ctx.meta.is_clone && !CLUSTER_FS.has(p.fstype) && !p.force_clones)
    fail(OCF.ERR_CONFIGURED, `cloning ${p.fstype} would corrupt it (mounted on several nodes at once); use a cluster filesystem or set force_clones=true`);
  if (!knownFstype(p.fstype)) fail(OCF.ERR_INSTALLED, `filesystem type ${p.fstype} is not supported on this node (no kernel support, module or mount helper)`);
  if (spec.kind === "block" && !blockDevNum(spec.path)) {
    fail(OCF.ERR_INSTALLED, existsSync(spec.path) ? `${spec.path} is not a block device` : `device ${spec.path} does not exist on this node`);
  }
  if (spec.kind === "bind" && !existsSync(spec.path)) fail(OCF.ERR_INSTALLED, `bind source ${spec.path} does not exist on this node`);
}

export function validateAll(ctx: FsCtx): number {
  checkEnvironment(ctx, deviceSpec(ctx));
  return OCF.SUCCESS;
}
