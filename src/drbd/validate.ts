import { clip } from "../text";

/**
 * Pure validate-all checks for ocf:hanfs:drbd over plain values (the agent feeds them from its
 * parameters and CRM_meta_*), each returning the reason for ERR_CONFIGURED, or undefined.
 */

/** linbit's charset for drbd_resource and drbdconf; a leading "-" would read as an option in argv. */
export const NAME_CHARS = /^[%+./0-9:=@A-Z_a-z][-%+./0-9:=@A-Z_a-z]*$/;

/** DRBD's netlink messages carry a resource name in 128 bytes, the NUL included (8.4 and 9). */
export const MAX_NAME = 127;

/** Why `s` cannot name a DRBD resource (`what` names it in the message), or undefined. */
export const nameProblem = (what: string, s: string) =>
  !NAME_CHARS.test(s) ? `${what} "${clip(s)}" may only use - % + . / 0-9 : = @ A-Z _ a-z` : s.length > MAX_NAME ? `${what} is ${s.length} characters long; DRBD allows at most ${MAX_NAME}` : undefined;

export const resourceNameProblem = (s: string) => nameProblem("drbd_resource", s);

export const confPathProblem = (s: string) =>
  s.startsWith("/") && NAME_CHARS.test(s) ? undefined : `drbdconf "${clip(s)}" must be an absolute path of - % + . / 0-9 : = @ A-Z _ a-z`;

/** CRM_meta_* values without the prefix: notify, clone_max, clone_node_max, promoted_max (master_max), promoted_node_max (master_node_max). */
export type CloneMeta = Record<string, string | undefined>;

export interface CloneRules {
  /** the resource's net section has allow-two-primaries */
  allowTwoPrimaries: boolean;
  ignoreMissingNotifications: boolean;
  family?: "8.4" | "9";
}

const int = (v: string | undefined, dflt: number) => (v === undefined || v === "" ? dflt : /^\d+$/.test(v) ? Number(v) : NaN);

export function cloneMetaProblem(m: CloneMeta, r: CloneRules): string | undefined {
  if (m.notify !== "true" && !r.ignoreMissingNotifications) return "the clone needs meta notify=true (or ignore_missing_notifications=true)";
  const cloneNodeMax = int(m.clone_node_max, 1);
  const promotedNodeMax = int(m.promoted_node_max ?? m.master_node_max, 1);
  const promotedMax = int(m.promoted_max ?? m.master_max, 1);
  const cloneMax = int(m.clone_max, 0);
  if (cloneNodeMax !== 1) return `clone-node-max must be 1, not ${m.clone_node_max}`;
  if (promotedNodeMax !== 1) return `promoted-node-max must be 1, not ${m.promoted_node_max ?? m.master_node_max}`;
  if (!(promotedMax >= 0 && promotedMax <= 2)) return `promoted-max must be at most 2, not ${m.promoted_max ?? m.master_max}`;
  if (promotedMax === 2 && !r.allowTwoPrimaries) return "promoted-max=2 needs allow-two-primaries in the DRBD resource's net section";
  if (Number.isNaN(cloneMax)) return `clone-max is not a number: ${m.clone_max}`;
  if (r.family === "8.4" && cloneMax > 2) return `DRBD 8.4 replicates between two nodes: clone-max must be at most 2, not ${cloneMax}`;
  return undefined;
}
