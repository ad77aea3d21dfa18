import type { Backend } from "../../../src/ocf/backend";
import type { NfsParams } from "../params";
import { kernelMonitor } from "./monitor";
import { kernelStart } from "./start";
import { kernelStop } from "./stop";
import { kernelValidate } from "./validate";

/** nfsserver server=kernel: the Linux nfsd and its helper daemons. */
export const kernel: Backend<NfsParams> = { validate: kernelValidate, start: kernelStart, stop: kernelStop, monitor: kernelMonitor };
