import type { Backend } from "../../../src/ocf/backend";
import type { ExportParams } from "../params";
import { kernelMonitor } from "./monitor";
import { kernelStart } from "./start";
import { kernelStop } from "./stop";
import { kernelValidate } from "./validate";

/** exportfs server=kernel: exportfs(8) and /var/lib/nfs/etab. */
export const kernel: Backend<ExportParams> = { validate: (ctx) => kernelValidate(ctx), start: kernelStart, stop: kernelStop, monitor: kernelMonitor };
