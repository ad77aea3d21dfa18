import { backendActions } from "../../src/ocf/backend";
import { defineAgent } from "../../src/ocf/declare";
import { ganesha } from "./ganesha/index";
import { kernel } from "./kernel/index";
import { checkExport, params, type ExCtx } from "./params";

/** The server the export goes to, chosen once per call from the parameters (as in the nfsserver resource). */
const actions = backendActions((ctx: ExCtx) => (ctx.params.server === "ganesha" ? ganesha : kernel));

export const exportfs = defineAgent({
  name: "exportfs",
  version: "1.0",
  shortdesc: "Exports a directory over NFS (hanfs, compatible with ocf:heartbeat:exportfs)",
  longdesc:
    "Adds and removes one NFS export with bounded waits. kernel: exportfs; monitor needs this boot's state file (so an etab that survived a reboot is not mistaken for a live export, RA#821), the line in etab and running nfsd threads. ganesha: an EXPORT block included by the configuration ocf:hanfs:nfsserver generates; monitor looks the export up through NFSv4 (PUTROOTFH+LOOKUP).",
  params,
  check: checkExport,
  actions: {
    start: { timeout: 40, run: actions.start },
    stop: { timeout: 120, run: actions.stop },
    monitor: { timeout: 20, interval: 10, depth: 0, run: actions.monitor },
    "validate-all": { timeout: 10, run: actions.validate },
  },
  // parameters that could never start cannot have started anything here
  invalidParamsOnStop: "succeed",
});
