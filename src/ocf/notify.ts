/**
 * Clone notifications (OCF_RESKEY_CRM_meta_notify_*), parsed for the notify action.
 *
 * Pacemaker (lib/pacemaker/pcmk_sched_notif.c) sends, for every list, the clone instances and
 * the node names as two space-separated strings sorted the same way, " " when empty. It sends
 * start/stop/promote/demote/active/promoted/unpromoted as _resource and _uname, inactive only as
 * _resource, available and all only as _uname (all_hosts for bundles is not read). Since 2.1
 * promoted/unpromoted come with the legacy master/slave copies; older versions send only those.
 * The lists are kept apart, as Pacemaker sends them: a node name can be missing from _uname (an
 * instance on a node without a name), so index pairing is not guaranteed.
 */
export interface NotifyList {
  /** clone instances, e.g. ["drbd_r0:0", "drbd_r0:1"] */
  resource: string[];
  /** node names, e.g. ["alpha", "delta"] */
  uname: string[];
}

export const NOTIFY_LISTS = ["start", "stop", "promote", "demote", "active", "inactive", "promoted", "unpromoted", "available", "all"] as const;
export type NotifyListName = (typeof NOTIFY_LISTS)[number];

export type NotifyType = "pre" | "post";
export type NotifyOperation = "start" | "stop" | "promote" | "demote";

export type Notify = { type: NotifyType; operation: NotifyOperation } & Record<NotifyListName, NotifyList>;

const P = "OCF_RESKEY_CRM_meta_notify_";
/** Pacemaker < 2.1 names, read when the new one is absent */
const LEGACY: Partial<Record<NotifyListName, string>> = { promoted: "master", unpromoted: "slave" };

const words = (v: string | undefined) => (v ?? "").split(/\s+/).filter(Boolean);

/**
 * The notification, or undefined when type or operation is missing or unknown (ocf-tester calls
 * notify with no variables; the action must still succeed).
 */
export function parseNotify(env: NodeJS.ProcessEnv): Notify | undefined {
  const type = env[`${P}type`]?.trim();
  const operation = env[`${P}operation`]?.trim();
  if ((type !== "pre" && type !== "post") || !["start", "stop", "promote", "demote"].includes(operation ?? "")) return undefined;
  return { type, operation: operation as NotifyOperation, ...notifyLists(env) };
}

/**
 * The lists alone. Pacemaker 2.1.5 passes them to a clone's start, stop, promote and demote too when
 * notify=true (test/unit/fixtures/pacemaker-2.1.5-live.json), as the transition saw them; empty lists
 * when it passes none.
 */
export function notifyLists(env: NodeJS.ProcessEnv): Record<NotifyListName, NotifyList> {
  const list = (name: NotifyListName, part: keyof NotifyList) => {
    const legacy = LEGACY[name];
    return words(env[`${P}${name}_${part}`] ?? (legacy ? env[`${P}${legacy}_${part}`] : undefined));
  };
  return Object.fromEntries(NOTIFY_LISTS.map((n) => [n, { resource: list(n, "resource"), uname: list(n, "uname") }])) as Record<NotifyListName, NotifyList>;
}
