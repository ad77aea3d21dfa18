import { existsSync } from "node:fs";
import { join } from "node:path";
import type { NfsCtx } from "../common";

export interface GaneshaPaths {
  runDir: string;
  conf: string;
  pidFile: string;
  /** one file per ocf:hanfs:exportfs resource */
  exportsDir: string;
  /** %include list of exportsDir, rebuilt whenever an export changes */
  exportsConf: string;
  recoveryRoot: string;
}

/** Layout of ganesha_run_dir; ocf:hanfs:exportfs uses the same one. */
export function ganeshaPaths(runDir: string, infodir = ""): GaneshaPaths {
  return {
    runDir,
    conf: join(runDir, "ganesha.conf"),
    pidFile: join(runDir, "ganesha.pid"),
    exportsDir: join(runDir, "exports.d"),
    exportsConf: join(runDir, "exports.conf"),
    recoveryRoot: join(infodir || "/var/lib/nfs", "ganesha"),
  };
}

export const pathsOf = (ctx: NfsCtx) => ganeshaPaths(ctx.params.ganesha_run_dir, ctx.params.nfs_shared_infodir);

const PLUGIN_DIRS = ["/usr/lib/x86_64-linux-gnu/ganesha", "/usr/lib/aarch64-linux-gnu/ganesha", "/usr/lib64/ganesha", "/usr/lib/ganesha"];

/** The FSAL directory: the configured one, or the first usual one holding libfsalvfs.so. */
export function pluginsDir(ctx: NfsCtx): string | undefined {
  if (ctx.params.ganesha_plugins_dir) return existsSync(join(ctx.params.ganesha_plugins_dir, "libfsalvfs.so")) ? ctx.params.ganesha_plugins_dir : undefined;
  return PLUGIN_DIRS.find((d) => existsSync(join(d, "libfsalvfs.so")));
}
