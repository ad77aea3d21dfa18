/**
 * DRBD kernel module versions: "8.4.11" from /proc/drbd's first line (`version: 8.4.11
 * (api:1/proto:86-101)`), /sys/module/drbd/version or `modinfo -F version drbd`; "9.2.8",
 * "9.1.0-rc.1" from DRBD 9. Compared like linbit's version codes (major, minor, patch; a suffix
 * such as -rc.1 does not count), so require_drbd_module_version_ge/_lt behave as users know them.
 */
export interface DrbdVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

const VER = /(\d+)\.(\d+)(?:\.(\d+))?([-.+~][\w.+~-]*)?/;

/** A version from "8.4.11", "version: 8.4.11 (api:1/proto:86-101)", "9.1.0-rc.1"; undefined if none. */
export function parseDrbdVersion(s: string): DrbdVersion | undefined {
  const line = s.trimStart().split("\n")[0];
  const m = /^version:\s*(\S+)/.exec(line) ?? /^(\S+)$/.exec(line.trim());
  const v = m && VER.exec(m[1]);
  if (!v || v.index !== 0) return undefined;
  return { major: Number(v[1]), minor: Number(v[2]), patch: Number(v[3] ?? 0), text: v[0] };
}

/** `drbdadm --version`'s DRBD_KERNEL_VERSION_CODE=0x08040b; undefined for 0x0 (module not loaded). */
export function versionFromCode(code: string): DrbdVersion | undefined {
  const m = /^0x([0-9a-f]{1,6})$/i.exec(code.trim());
  const n = m ? parseInt(m[1], 16) : 0;
  if (!n) return undefined;
  const [major, minor, patch] = [n >> 16, (n >> 8) & 0xff, n & 0xff];
  return { major, minor, patch, text: `${major}.${minor}.${patch}` };
}

export function compareVersions(a: DrbdVersion, b: DrbdVersion): number {
  return Math.sign(a.major - b.major || a.minor - b.minor || a.patch - b.patch);
}

/** The status interface the agent and the handlers must use for this module. */
export function drbdFamily(v: DrbdVersion): "8.4" | "9" | undefined {
  if (v.major === 8 && v.minor === 4) return "8.4";
  if (v.major === 9) return "9";
  return undefined;
}

/**
 * require_drbd_module_version_ge ≤ v < require_drbd_module_version_lt. Returns the reason the module
 * is unacceptable (for ERR_INSTALLED), or undefined. Bounds are checked by checkBound at validation.
 */
export function versionOutsideBounds(v: DrbdVersion, ge: string, lt: string): string | undefined {
  const lo = parseDrbdVersion(ge);
  const hi = parseDrbdVersion(lt);
  if (lo && compareVersions(v, lo) < 0) return `DRBD module ${v.text} is older than require_drbd_module_version_ge=${ge}`;
  if (hi && compareVersions(v, hi) >= 0) return `DRBD module ${v.text} is not older than require_drbd_module_version_lt=${lt}`;
  if (!drbdFamily(v)) return `DRBD module ${v.text} is not supported (8.4 or 9 needed)`;
  return undefined;
}

/** Parameter check for the two bounds: a plain version such as 8.4.0 or 9.0 (no prose, no ranges). */
export const checkBound = (s: string): string | undefined =>
  /^\d+\.\d+(\.\d+)?$/.test(s.trim()) ? undefined : `"${s}" is not a DRBD version such as 9.0.16`;
