import { defineAgent } from "../../src/ocf/declare";
import { monitor } from "./monitor";
import { notify } from "./notify";
import { params } from "./params";
import { demote, promote } from "./promote";
import { reload, start } from "./start";
import { stop, stopWithInvalidParams } from "./stop";
import { validateAll } from "./validate";

export const drbd = defineAgent({
  name: "drbd",
  version: "1.0",
  shortdesc: "Manages a DRBD resource as a promotable clone (hanfs, compatible with ocf:linbit:drbd)",
  longdesc:
    "Starts, promotes, demotes and stops a DRBD 8.4 or 9 resource and keeps this node's promotion score in line with its data (linbit's score table). The monitor reports failed disks (1, 9 when Primary) and running-but-not-redundant states (190/191: disconnected, resyncing, a disk not UpToDate) next to 0/7/8; on 8.4 it reads /proc/drbd without a fork once start has recorded the minors. The score is written only when it changes, every call is bounded by the operation's timeout, and every loop (promote, demote, stop, waiting for the peer) ends within it. Use with the fence handlers /usr/lib/hanfs/drbd-fence-peer and drbd-unfence-peer.",
  params,
  actions: {
    start: { timeout: 240, run: start },
    stop: { timeout: 100, run: stop },
    promote: { timeout: 90, run: promote },
    demote: { timeout: 90, run: demote },
    notify: { timeout: 90, run: notify },
    reload: { timeout: 30, run: reload },
    // distinct intervals per role: Pacemaker tells monitors apart by interval (crowbar-openstack#1464)
    monitor: { timeout: 30, interval: 10, role: "Promoted", run: monitor, variants: [{ timeout: 30, interval: 20, role: "Unpromoted" }] },
    "validate-all": { timeout: 30, run: validateAll },
  },
  invalidParamsOnStop: stopWithInvalidParams,
});
