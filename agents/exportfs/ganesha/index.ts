import type { Backend } from "../../../src/ocf/backend";
import type { ExportParams } from "../params";
import { ganeshaMonitor } from "./monitor";
import { ganeshaStart } from "./start";
import { ganeshaStop } from "./stop";
import { ganeshaValidate } from "./validate";

/** exportfs server=ganesha: an EXPORT block loaded by SIGHUP into the ganesha ocf:hanfs:nfsserver runs. */
export const ganesha: Backend<ExportParams> = { validate: ganeshaValidate, start: ganeshaStart, stop: ganeshaStop, monitor: ganeshaMonitor };
