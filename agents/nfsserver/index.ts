import { backendActions } from "../../src/ocf/backend";
import { defineAgent } from "../../src/ocf/declare";
import { ganesha } from "./ganesha/index";
import { kernel } from "./kernel/index";
import { checkGraceLease, params, type NfsCtx } from "./params";

/** The server implementation, chosen once per call from the parameters. */
function backendOf(ctx: NfsCtx) {
  if (ctx.params.nfs_init_script) ctx.log.debug(`nfs_init_script=${ctx.params.nfs_init_script} is accepted for compatibility and not used`);
  return ctx.params.server === "ganesha" ? ganesha : kernel;
}
const actions = backendActions(backendOf);

export const nfsserver = defineAgent({
  name: "nfsserver",
  version: "1.0",
  shortdesc: "NFS server: kernel nfsd or nfs-ganesha (hanfs, compatible with ocf:heartbeat:nfsserver)",
  longdesc:
    "Runs the NFS server of an HA NFS service with its state on shared storage. Sets the NFSv4 grace and lease times before the server starts, a cluster-wide server scope, bounded waits everywhere, and a monitor that sends real ONC RPC NULL calls (NFSv4, and v3 unless nfsv4_only) without forking. Exports: ocf:hanfs:exportfs (kernel: exportfs; ganesha: EXPORT blocks in ganesha_run_dir/exports.d, reloaded with SIGHUP).",
  params,
  check: checkGraceLease,
  actions: {
    start: { timeout: 60, run: actions.start },
    // stop does not re-check cross-parameter rules: it must clean up whatever the parameters say
    stop: { timeout: 60, run: actions.stop },
    // reads /proc and sends RPC calls; forks nothing
    monitor: { timeout: 20, interval: 10, depth: 0, run: actions.monitor },
    "validate-all": { timeout: 10, run: actions.validate },
  },
  // parameters that could never start cannot have started anything here
  invalidParamsOnStop: "succeed",
});
