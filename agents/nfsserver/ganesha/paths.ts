import { existsSync } from "node:fs";
import { join } from "node:path";
import { ganeshaPaths } from "../../../src/nfs/ganesha";
import type { NfsCtx } from "../params";

/** This resource's ganesha_run_dir layout (src/nfs/ganesha.ts: shared with exportfs). */
export const pathsOf = (ctx: NfsCtx) => ganeshaPaths(ctx.params.ganesha_run_dir, ctx.params.nfs_shared_infodir);

const PLUGIN_DIRS = ["/usr/lib/x86_64-linux-gnu/ganesha", "/usr/lib/aarch64-linux-gnu/ganesha", "/usr/lib64/ganesha", "/usr/lib/ganesha"];

/** The FSAL directory: the configured one, or the first usual one holding libfsalvfs.so. */
export function pluginsDir(ctx: NfsCtx): string | undefined {
  if (ctx.params.ganesha_plugins_dir) return existsSync(join(ctx.params.ganesha_plugins_dir, "libfsalvfs.so")) ? ctx.params.ganesha_plugins_dir : undefined;
  return PLUGIN_DIRS.find((d) => existsSync(join(d, "libfsalvfs.so")));
}
