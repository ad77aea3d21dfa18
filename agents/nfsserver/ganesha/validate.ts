import { accessSync, constants, statSync } from "node:fs";
import { OCF, fail } from "../../../src/ocf/codes";
import type { NfsCtx } from "../params";
import { pluginsDir } from "./paths";

/** Node checks: the program and its VFS plugin are installed. */
export function ganeshaValidate(ctx: NfsCtx): number {
  const bin = ctx.params.ganesha_binary;
  try {
    accessSync(bin, constants.X_OK);
    if (!statSync(bin).isFile()) throw new Error("not a file");
  } catch {
    fail(OCF.ERR_INSTALLED, `${bin} is not installed or not executable (package nfs-ganesha)`);
  }
  if (!pluginsDir(ctx))
    fail(OCF.ERR_INSTALLED, ctx.params.ganesha_plugins_dir ? `${ctx.params.ganesha_plugins_dir} has no libfsalvfs.so` : "no ganesha FSAL directory with libfsalvfs.so found (package nfs-ganesha-vfs)");
  return OCF.SUCCESS;
}
