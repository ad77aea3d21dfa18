/**
 * /etc/drbd.d/<resource>.res for both nodes: protocol C, resource-level fencing through
 * Pacemaker with hanfs's handlers (8.4 keeps `fencing` in disk{} and unfences after resync; 9
 * keeps it in net{} and has an unfence-peer handler).
 */
import { isIP } from "node:net";
import type { Topology } from "./topology";

export const FENCE_PEER = "/usr/lib/hanfs/drbd-fence-peer";
export const UNFENCE_PEER = "/usr/lib/hanfs/drbd-unfence-peer";

const address = (a: string, port: number) => (isIP(a) === 6 ? `ipv6 [${a}]:${port}` : `${a}:${port}`);

export function renderDrbd(t: Topology): string {
  const v9 = t.drbd.version === "9";
  const out = [
    `# hanfs crm-config: /etc/drbd.d/${t.drbd.resource}.res, the same file on ${t.nodes.map((n) => n.name).join(" and ")} (DRBD ${t.drbd.version})`,
    "# Pacemaker promotes it (ocf:hanfs:drbd); the handlers put a constraint on the peer's promotion",
    "# while it is outdated and lift it when the resync is done.",
    `resource ${t.drbd.resource} {`,
    "  net {",
    "    protocol C;",
    ...(v9 ? ["    fencing resource-only;"] : []),
    "  }",
    ...(v9 ? [] : ["  disk {", "    fencing resource-only;", "  }"]),
    "  handlers {",
    `    fence-peer "${FENCE_PEER}";`,
    v9 ? `    unfence-peer "${UNFENCE_PEER}";` : `    after-resync-target "${UNFENCE_PEER}";`,
    "  }",
  ];
  t.nodes.forEach((n, i) => {
    out.push(`  on ${n.name} {`);
    if (v9) out.push(`    node-id ${i};`);
    out.push(`    device ${t.drbd.device};`, `    disk ${n.disk};`, `    address ${address(n.address, t.drbd.port)};`, "    meta-disk internal;", "  }");
  });
  out.push("}");
  return out.join("\n") + "\n";
}
