import { OCF, fail } from "../../src/ocf/codes";
import type { Ctx } from "../../src/ocf/declare";
import type { NfsParams } from "./index";

export type NfsCtx = Ctx<NfsParams>;

/** Cross-parameter rules the per-parameter checks cannot express. */
export function checkParams(ctx: NfsCtx) {
  const p = ctx.params;
  if (p.nfsv4_grace_time < p.nfsv4_lease_time)
    fail(OCF.ERR_CONFIGURED, `nfsv4_grace_time (${p.nfsv4_grace_time}) must be >= nfsv4_lease_time (${p.nfsv4_lease_time}): clients need a full lease to notice the restart and reclaim`);
  if (p.nfs_init_script) ctx.log.debug(`nfs_init_script=${p.nfs_init_script} is accepted for compatibility and not used`);
}

/** One scope for the whole cluster: the configured one, else the resource name (not the node name: RA#1644). */
export const serverScope = (ctx: NfsCtx) => ctx.params.nfs_server_scope || ctx.instance.replace(/:\d+$/, "").replace(/[^A-Za-z0-9._:@-]/g, "_");

export const nfsIps = (ctx: NfsCtx) => ctx.params.nfs_ip.split(",").map((s) => s.trim()).filter(Boolean);

/** The address the monitor probes: the server listens on every address, loopback is always there. */
export const PROBE_HOST = "127.0.0.1";
