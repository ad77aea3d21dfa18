/**
 * haproxy configuration for the proxy host in front of the two NFS servers: the seed's
 * `server alpha ... check` / `server delta ... check backup`, with hanfs's NFS check instead of a
 * TCP connect (build/haproxy-hanfs.cfg explains every line).
 */
import { isIP } from "node:net";
import type { Topology } from "./topology";

const hostPort = (a: string, p: number) => (isIP(a) === 6 ? `[${a}]:${p}` : `${a}:${p}`);

export function renderHaproxy(t: Topology): string {
  if (t.frontend.type !== "haproxy") return "";
  const f = t.frontend;
  const [first, ...rest] = t.nodes;
  const out = [
    `# hanfs crm-config: haproxy in front of ${t.nodes.map((n) => n.name).join(" and ")}; clients mount ${hostPort(f.address, f.port)}`,
    "# /usr/lib/hanfs/haproxy-check must exist on the proxy host (install the hanfs package there too)",
    "# and haproxy must not run chrooted (checks run inside the chroot). Settings per server:",
    "# /etc/hanfs/haproxy-check.conf.",
    "global",
    "    log /dev/log local0",
    "    stats socket /run/haproxy/admin.sock mode 660 level admin",
    "    stats timeout 30s",
    "    user haproxy",
    "    group haproxy",
    "    daemon",
    "    external-check",
    "    insecure-fork-wanted",
    "",
    "defaults",
    "    mode tcp",
    "    log global",
    "    option tcplog",
    "    timeout connect 2s",
    "    timeout client 1h",
    "    timeout server 1h",
    "",
    "frontend nfs",
    `    bind ${hostPort(f.address, f.port)}`,
    // mid-failover no server is UP, and a connection closed at once is reopened at once by the
    // kernel client: hundreds a second, each logged. Held up to 250 ms for a server instead.
    "    tcp-request inspect-delay 250ms",
    "    tcp-request content accept if { nbsrv(nfs_servers) gt 0 }",
    "    tcp-request content accept if WAIT_END",
    "    default_backend nfs_servers",
    "",
    "backend nfs_servers",
    "    option log-health-checks",
    "    option external-check",
    '    external-check path "/usr/bin:/bin"',
    "    external-check command /usr/lib/hanfs/haproxy-check",
    // downinter: a server coming back (the failover target) is seen UP within rise x 500 ms.
    // inter: haproxy kills an external check after inter, whatever fastinter says, so it must
    // cover the check's own budget (timeout-ms, 1.5 s) plus its start-up on a busy proxy host.
    "    default-server inter 3s fastinter 500ms downinter 500ms fall 2 rise 2 on-marked-down shutdown-sessions",
    `    server ${first.name} ${hostPort(first.address, 2049)} check on-marked-up shutdown-backup-sessions`,
    ...rest.map((n) => `    server ${n.name} ${hostPort(n.address, 2049)} check backup`),
  ];
  if (t.nfs.v3) {
    const p = t.nfs.mountdPort;
    out.push(
      "",
      "# NFSv3 MOUNT on its fixed port, following the NFS servers' health",
      "frontend nfs_mountd",
      `    bind ${hostPort(f.address, p)}`,
      "    default_backend nfs_mountd",
      "",
      "backend nfs_mountd",
      "    default-server on-marked-down shutdown-sessions",
      `    server ${first.name} ${hostPort(first.address, p)} track nfs_servers/${first.name}`,
      ...rest.map((n) => `    server ${n.name} ${hostPort(n.address, p)} track nfs_servers/${n.name} backup`),
    );
  }
  return out.join("\n") + "\n";
}
