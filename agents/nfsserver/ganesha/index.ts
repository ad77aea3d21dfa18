import type { Backend } from "../../../src/ocf/backend";
import type { NfsParams } from "../params";
import { ganeshaMonitor } from "./monitor";
import { ganeshaStart } from "./start";
import { ganeshaStop } from "./stop";
import { ganeshaValidate } from "./validate";

/** nfsserver server=ganesha: nfs-ganesha with a configuration generated from the parameters. */
export const ganesha: Backend<NfsParams> = { validate: ganeshaValidate, start: ganeshaStart, stop: ganeshaStop, monitor: ganeshaMonitor };
