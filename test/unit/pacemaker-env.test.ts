import { describe, expect, it } from "vitest";
import { parseMeta, parseRole } from "../../src/ocf/meta";
import { NOTIFY_LISTS, parseNotify, type Notify } from "../../src/ocf/notify";
import live from "./fixtures/pacemaker-2.1.5-live.json";

/**
 * ctx.meta and ctx.notify against what Pacemaker 2.1.5 really passes: the environment of every
 * action of a promotable clone with notify=true, recorded live by test/lab/record-env.ts (one node
 * promoted, then put on standby: demote, stop, promote the other).
 */
type Env = Record<string, string>;
const actions = live.actions as Record<string, Env>;
const keys = Object.keys(actions);
const one = (pred: (k: string) => boolean): Env => {
  const k = keys.filter(pred);
  expect(k.length, `fixture entries matching ${pred}`).toBeGreaterThan(0);
  return actions[k[0]];
};
const nodeOf = (k: string) => k.split(":")[0];
// the node promoted first is the one that was demoted and stopped later
const first = nodeOf(keys.find((k) => k.endsWith(":demote"))!);
const other = first === "alpha" ? "delta" : "alpha";
const notifies = keys.filter((k) => k.includes(":notify:"));
const n = (k: string): Notify => {
  const x = parseNotify(actions[k]);
  expect(x, k).toBeDefined();
  return x!;
};
const without = (env: Env, re: RegExp) => Object.fromEntries(Object.entries(env).filter(([k]) => !re.test(k)));
const sorted = (l: string[]) => [...l].sort();

describe("ctx.meta from recorded Pacemaker 2.1.5 environments", () => {
  it("a probe carries no interval; the clone and promotable settings are there", () => {
    const m = parseMeta(one((k) => /^alpha:\d+:monitor$/.test(k)));
    expect(m).toMatchObject({ interval: undefined, timeout: 20000, role: undefined, clone_max: 2, clone_node_max: 1, promoted_max: 1, promoted_node_max: 1 });
    expect(m).toMatchObject({ notify: true, globally_unique: false, on_node: "alpha", is_clone: true });
    expect([0, 1]).toContain(m.clone);
    expect(m.on_node_uuid).toMatch(/^\d+$/);
  });
  it("recurring monitors carry their interval and the role they were configured for", () => {
    expect(parseMeta(one((k) => k.endsWith(":monitor:10000")))).toMatchObject({ interval: 10000, role: "Promoted", timeout: 20000 });
    expect(parseMeta(one((k) => k.endsWith(":monitor:11000")))).toMatchObject({ interval: 11000, role: "Unpromoted" });
  });
  it("notify carries the notify op's own timeout and no interval", () => {
    expect(parseMeta(one((k) => k.includes(":notify:")))).toMatchObject({ timeout: 90000, interval: undefined, notify: true });
  });
  it("legacy names (Pacemaker < 2.1): Master/Slave roles and master_max", () => {
    const env = { OCF_RESKEY_CRM_meta_role: "Master", OCF_RESKEY_CRM_meta_master_max: "2", OCF_RESKEY_CRM_meta_master_node_max: "1", OCF_RESKEY_CRM_meta_clone: "0" };
    expect(parseMeta(env)).toMatchObject({ role: "Promoted", promoted_max: 2, promoted_node_max: 1, is_clone: true, clone: 0 });
    expect(parseRole("Slave")).toBe("Unpromoted");
    expect(parseRole(" unpromoted ")).toBe("Unpromoted");
    expect(parseRole("Started")).toBe("Started");
    expect(parseRole("Stopped")).toBeUndefined();
    // the new name wins when both are there (2.1 sends both, equal)
    expect(parseMeta({ OCF_RESKEY_CRM_meta_promoted_max: "1", OCF_RESKEY_CRM_meta_master_max: "2" }).promoted_max).toBe(1);
  });
  it("a primitive: no clone, notify off; garbage numbers are not numbers", () => {
    const m = parseMeta({ OCF_RESKEY_CRM_meta_interval: "10s", OCF_RESKEY_CRM_meta_timeout: "-5", OCF_RESKEY_CRM_meta_clone_max: "" });
    expect(m).toMatchObject({ interval: undefined, timeout: undefined, clone: undefined, clone_max: undefined, notify: false, is_clone: false, on_node: undefined });
  });
});

describe("ctx.notify from recorded Pacemaker 2.1.5 notifications", () => {
  it("every recorded notification parses, with its type and operation", () => {
    expect(notifies.length).toBeGreaterThanOrEqual(10);
    for (const k of notifies) {
      const [type, operation] = k.split(":").pop()!.split("-");
      expect(n(k), k).toMatchObject({ type, operation });
    }
    const seen = new Set(notifies.map((k) => k.split(":").pop()));
    for (const x of ["post-start", "pre-promote", "post-promote", "pre-demote", "post-demote", "pre-stop"]) expect(seen, x).toContain(x);
  });
  it("start: both nodes start, both instances inactive before", () => {
    const x = n(notifies.find((k) => k.endsWith("post-start"))!);
    expect(sorted(x.start.uname)).toEqual(["alpha", "delta"]);
    expect(sorted(x.inactive.resource)).toEqual(["r0:0", "r0:1"]);
    expect(x.start.resource).toHaveLength(2);
    for (const l of ["stop", "promote", "demote", "active", "promoted", "unpromoted"] as const) expect(x[l], l).toEqual({ resource: [], uname: [] });
  });
  it("the first promotion: announced to both nodes, nobody promoted yet", () => {
    const pre = notifies.filter((k) => k.endsWith("pre-promote") && n(k).promote.uname.includes(first));
    expect(sorted(pre.map(nodeOf))).toEqual(["alpha", "delta"]);
    for (const k of pre) {
      const x = n(k);
      expect(x.promote.uname).toEqual([first]);
      expect(x.promote.resource).toHaveLength(1);
      expect(x.promoted).toEqual({ resource: [], uname: [] });
      expect(sorted(x.unpromoted.uname)).toEqual(["alpha", "delta"]);
      expect(sorted(x.active.uname)).toEqual(["alpha", "delta"]);
    }
  });
  it(`standby of the promoted node: demote and stop it, promote the other`, () => {
    const x = n(notifies.find((k) => k.endsWith("pre-demote"))!);
    expect(x.demote.uname).toEqual([first]);
    expect(x.stop.uname).toEqual([first]);
    expect(x.promote.uname).toEqual([other]);
    expect(x.promoted.uname).toEqual([first]);
    expect(x.unpromoted.uname).toEqual([other]);
    const stop = n(notifies.find((k) => k.endsWith("pre-stop"))!);
    expect(stop.stop.uname).toEqual([first]);
    expect(stop.promoted.uname).toEqual([]); // the lists describe the transition as scheduled: demoted by now
  });
  it("every list: resources and unames line up, names Pacemaker does not send are empty", () => {
    for (const k of notifies) {
      const x = n(k);
      for (const l of ["start", "stop", "promote", "demote", "active", "promoted", "unpromoted"] as const) expect(x[l].resource.length, `${k} ${l}`).toBe(x[l].uname.length);
      expect(x.inactive.uname).toEqual([]);
      expect(x.available.resource).toEqual([]);
      expect(x.all).toEqual({ resource: [], uname: ["alpha", "delta"] });
      expect(sorted(x.available.uname)).toEqual(["alpha", "delta"]);
    }
  });
  it("both naming schemes: only the legacy master/slave names, or only the new ones, give the same notification", () => {
    for (const k of notifies) {
      const env = actions[k];
      const legacyOnly = without(env, /_notify_(promoted|unpromoted)_/);
      const newOnly = without(env, /_notify_(master|slave)_/);
      expect(Object.keys(legacyOnly).length, k).toBeLessThan(Object.keys(env).length);
      expect(parseNotify(legacyOnly), k).toEqual(n(k));
      expect(parseNotify(newOnly), k).toEqual(n(k));
    }
    // the new name wins when the two disagree
    const env = { ...actions[notifies[0]], OCF_RESKEY_CRM_meta_notify_promoted_uname: "alpha", OCF_RESKEY_CRM_meta_notify_master_uname: "delta" };
    expect(parseNotify(env)!.promoted.uname).toEqual(["alpha"]);
  });
  it("whitespace: Pacemaker's ' ' is empty; tabs, newlines and doubled spaces separate", () => {
    const x = parseNotify({ OCF_RESKEY_CRM_meta_notify_type: " post ", OCF_RESKEY_CRM_meta_notify_operation: "stop\n", OCF_RESKEY_CRM_meta_notify_stop_uname: "  alpha\t delta\n", OCF_RESKEY_CRM_meta_notify_stop_resource: " " });
    expect(x).toMatchObject({ type: "post", operation: "stop", stop: { uname: ["alpha", "delta"], resource: [] } });
    for (const l of NOTIFY_LISTS) expect(x![l].uname.length + x![l].resource.length, l).toBe(l === "stop" ? 2 : 0);
  });
  it("no notification without a valid type and operation (ocf-tester calls notify with none)", () => {
    expect(parseNotify({})).toBeUndefined();
    expect(parseNotify({ OCF_RESKEY_CRM_meta_notify_type: "pre" })).toBeUndefined();
    expect(parseNotify({ OCF_RESKEY_CRM_meta_notify_type: "during", OCF_RESKEY_CRM_meta_notify_operation: "start" })).toBeUndefined();
    expect(parseNotify({ OCF_RESKEY_CRM_meta_notify_type: "post", OCF_RESKEY_CRM_meta_notify_operation: "migrate" })).toBeUndefined();
  });
});
