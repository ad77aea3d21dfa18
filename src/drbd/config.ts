/**
 * What the agent asks drbdadm about the configuration (never the kernel), parsed: drbdadm prints
 * these as plain values for scripts (sh-dev, sh-ll-dev) or as the configuration itself (dump).
 */

/** `drbdadm dump <res>`: does the resource's net section allow two Primaries? (`allow-two-primaries;` or `... yes;`) */
export const allowsTwoPrimaries = (dump: string) => dump.split("\n").some((l) => /^\s*allow-two-primaries(\s+yes)?\s*;\s*$/.test(l));

/** `drbdadm sh-dev <res>`: one device path per volume, e.g. /dev/drbd0. */
export const devicesOf = (shDev: string) => shDev.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("/dev/"));

/**
 * `drbdadm sh-ll-dev <res>`: the backing disk per volume, "none" for an intentionally diskless volume
 * (8.4 does not report that in its state: a Diskless volume is a failure only where a disk is configured).
 */
export function diskConfigured(shLlDev: string): boolean {
  const lines = shLlDev.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.length === 0 || lines.some((l) => l !== "none");
}
