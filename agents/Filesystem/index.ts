import { defineAgent } from "../../src/ocf/declare";
import { monitor } from "./monitor";
import { checkDevice, params } from "./params";
import { start } from "./start";
import { stop } from "./stop";
import { validateAll } from "./validate";

export const Filesystem = defineAgent({
  name: "Filesystem",
  version: "1.0",
  shortdesc: "Mounts a filesystem (hanfs, compatible with ocf:heartbeat:Filesystem)",
  longdesc:
    "Mounts a block device, network share or bind mount on a directory, with bounded stop escalation (reads /proc, never fuser), a monitor that never touches the filesystem at depth 0, a direct read at depth 10 and a write+read-back at depth 20 that fail instead of hanging.",
  params,
  check: checkDevice,
  actions: {
    start: { timeout: 60, run: start },
    stop: { timeout: 60, run: stop },
    monitor: { timeout: 40, interval: 20, depth: 0, run: monitor, variants: [{ timeout: 40, interval: 61, depth: 10 }, { timeout: 40, interval: 121, depth: 20 }] },
    "validate-all": { timeout: 5, run: validateAll },
  },
  // parameters that could never start cannot have started anything here
  invalidParamsOnStop: "succeed",
});
