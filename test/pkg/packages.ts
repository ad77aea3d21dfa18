import { TOOLS, relations } from "../../build/deb/tools";

/**
 * What the test root holds: a Debian 12 cluster node as the tutorial builds it (systemd, Pacemaker,
 * crmsh, pcs, resource-agents, fence-agents; pcs wants systemctl to be there), haproxy for the proxy's config check, and everything the
 * .deb depends on or recommends for any program of the table (also rows whose program the binary
 * does not have yet), so `apt install ./hanfs_*.deb` resolves offline and the root's cache key
 * changes only when the table does.
 */
export function chrootPackages(): string[] {
  const rel = relations(TOOLS);
  return [...new Set(["systemd", "pacemaker", "pacemaker-cli-utils", "crmsh", "pcs", "resource-agents", "fence-agents", "haproxy", ...rel.depends, ...rel.recommends])].sort();
}

if (require.main === module) console.log(chrootPackages().join(" "));
