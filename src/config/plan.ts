/**
 * The cluster configuration as data: what crm.ts and pcs.ts print in their own syntax, so the two
 * outputs cannot drift apart. Names are the seed tutorial's (drbd_nfs, ms_drbd_nfs, fs_nfs, nfs,
 * group HA, fs-nfs-before-nfs) so that its readers recognise every line.
 */
import { FOREIGN_OPS, type Op, agentOps } from "./ops";
import type { Topology } from "./topology";

export type Pairs = Array<[string, string]>;

export interface Primitive {
  id: string;
  /** class:provider:type or stonith:type */
  agent: string;
  params: Pairs;
  ops: Op[];
}

export interface Plan {
  /** one-line summary for the headers */
  title: string;
  stonith: Primitive[];
  /** fence devices that must never run on the node they fence */
  avoid: Array<{ id: string; rsc: string; node: string }>;
  drbd: Primitive;
  promotable: { id: string; meta: Pairs };
  members: Primitive[];
  group: { id: string; meta: Pairs };
  order: { id: string; first: string; firstAction: "promote"; then: string; thenAction: "start" };
  colocation: { id: string; rsc: string; withRsc: string; withRole: "Promoted" };
  properties: Pairs;
  /** every agent the configuration references, for the meta-data check before loading */
  agents: string[];
  notes: string[];
}

export async function makePlan(t: Topology): Promise<Plan> {
  const notes: string[] = [];
  const stonith: Primitive[] = [];
  const avoid: Plan["avoid"] = [];
  const names = t.nodes.map((n) => n.name);
  if (t.fencing) {
    const common = Object.entries(t.fencing.params);
    const agent = `stonith:${t.fencing.agent}`;
    if (Object.keys(t.fencing.nodes).length)
      for (const n of names) {
        const id = `fence_${n}`;
        stonith.push({ id, agent, params: [...common, ...Object.entries(t.fencing.nodes[n]), ["pcmk_host_list", n]], ops: FOREIGN_OPS.stonith });
        avoid.push({ id: `${id}-avoids-${n}`, rsc: id, node: n });
      }
    else stonith.push({ id: "fencing", agent, params: [...common, ["pcmk_host_list", names.join(" ")]], ops: FOREIGN_OPS.stonith });
  } else notes.push("STONITH IS DISABLED (--i-know): a split brain can corrupt the data; test clusters only.");

  const drbd: Primitive = { id: "drbd_nfs", agent: "ocf:hanfs:drbd", params: [["drbd_resource", t.drbd.resource]], ops: await agentOps("drbd", true) };
  const fsParams: Pairs = [
    ["device", t.drbd.device],
    ["directory", t.filesystem.directory],
    ["fstype", t.filesystem.fstype],
  ];
  if (t.filesystem.options) fsParams.push(["options", t.filesystem.options]);
  const members: Primitive[] = [{ id: "fs_nfs", agent: "ocf:hanfs:Filesystem", params: fsParams, ops: await agentOps("Filesystem") }];

  const nfsParams: Pairs = [
    ["server", t.nfs.server],
    ["nfs_shared_infodir", t.nfs.infodir],
    ["nfsv4_grace_time", String(t.nfs.grace)],
    ["nfsv4_lease_time", String(t.nfs.lease)],
  ];
  if (!t.nfs.v3) nfsParams.push(["nfsv4_only", "true"]);
  if (t.frontend.type === "ip") nfsParams.push(["nfs_ip", t.frontend.address]);
  if (t.frontend.type === "haproxy" && t.nfs.v3) {
    // NFSv3 through haproxy: MOUNT must sit on a port the proxy forwards (no portmapper through it)
    nfsParams.push(["mountd_port", String(t.nfs.mountdPort)]);
    notes.push(`NFSv3 through haproxy: clients mount with -o port=2049,mountport=${t.nfs.mountdPort}; their NLM locks are not recovered after a failover (sm-notify cannot speak for the proxy's address).`);
  }
  members.push({ id: "nfs", agent: "ocf:hanfs:nfsserver", params: nfsParams, ops: await agentOps("nfsserver") });

  const exportOps = await agentOps("exportfs");
  t.exports.forEach((e, i) => {
    const params: Pairs = [
      ["clientspec", e.clients],
      ["directory", e.directory],
      ["fsid", String(e.fsid)],
    ];
    if (e.options) params.push(["options", e.options]);
    if (t.nfs.server === "ganesha") params.push(["server", "ganesha"]);
    members.push({ id: `export${i + 1}`, agent: "ocf:hanfs:exportfs", params, ops: exportOps });
  });
  if (t.frontend.type === "ip") {
    const params: Pairs = [
      ["ip", t.frontend.address],
      ["cidr_netmask", String(t.frontend.cidr)],
    ];
    if (t.frontend.nic) params.push(["nic", t.frontend.nic]);
    // last in the group: clients reach the address only once the exports are there
    members.push({ id: "vip", agent: "ocf:heartbeat:IPaddr2", params, ops: FOREIGN_OPS["ocf:heartbeat:IPaddr2"] });
  }

  const agents = [...new Set([...stonith, drbd, ...members].map((p) => p.agent))];
  return {
    title: `HA NFS on ${names.join(" and ")}: DRBD ${t.drbd.resource} (${t.drbd.device}) -> ${t.filesystem.fstype} on ${t.filesystem.directory} -> ${t.nfs.server} NFS (${t.nfs.v3 ? "v3+v4" : "v4"}, grace ${t.nfs.grace} s, lease ${t.nfs.lease} s), ${t.frontend.type === "haproxy" ? `haproxy at ${t.frontend.address}` : `floating IP ${t.frontend.address}`}`,
    stonith,
    avoid,
    drbd,
    promotable: {
      id: "ms_drbd_nfs",
      meta: [
        ["promotable", "true"],
        ["promoted-max", "1"],
        ["promoted-node-max", "1"],
        ["clone-max", "2"],
        ["clone-node-max", "1"],
        ["notify", "true"],
      ],
    },
    members,
    // stickiness keeps the service where it runs when the other node comes back (no second stall)
    group: { id: "HA", meta: [["resource-stickiness", "100"]] },
    order: { id: "fs-nfs-before-nfs", first: "ms_drbd_nfs", firstAction: "promote", then: "HA", thenAction: "start" },
    colocation: { id: "nfs-on-drbd", rsc: "HA", withRsc: "ms_drbd_nfs", withRole: "Promoted" },
    properties: [["stonith-enabled", t.fencing ? "true" : "false"]],
    agents,
    notes,
  };
}
